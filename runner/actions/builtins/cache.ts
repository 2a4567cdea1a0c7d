/**
 * `actions/cache`, `actions/cache/restore` and `actions/cache/save`. Archives keep paths
 * relative to the workspace (HOME, beside it, as `../home/…`) and absolute elsewhere, and
 * are extracted from the workspace, so a cache lands where it was taken on any runner.
 * A key once saved is never overwritten, as on GitHub.
 */
import { rm } from "node:fs/promises";
import { relative, sep } from "node:path";
import { cacheObjectName, type CacheEntry, type ObjectStoreAccess } from "../../../protocol/object-stores.ts";
import type { StepRunContext } from "../../step/run-process.ts";
import { createArchive, extractArchive, fetchArchive, isTaken, putArchive } from "./archive.ts";
import { cacheScopes, cacheVersion, checkKey, findCache, type CacheMatch } from "./cache-lookup.ts";
import { findFiles, inputLines } from "./find-files.ts";
import { booleanInput, failed, guarded, requiredInput, storesOf, succeeded, type ActionResult } from "./results.ts";

/** `actions/cache`: restore now; on a miss, save in a post step if the job succeeds. */
export function cacheAction(context: StepRunContext, inputs: Record<string, string>): Promise<ActionResult> {
  return guarded("actions/cache", async () => {
    const stores = storesOf(context, "actions/cache");
    if (typeof stores === "string") return failed(stores);
    const { key, paths, match, result } = await restore(context, stores, inputs);
    if (result.outcome !== "success" || match?.exact) return result;
    context.state.posts.push({
      name: "Cache",
      // GitHub's post-if: a failed or cancelled job saves nothing.
      condition: "success()",
      run: () =>
        saveCache(context, stores, key, paths).catch((error: unknown) => ({
          outcome: "failure" as const,
          message: `Failed to save cache: ${(error as Error).message}`,
        })),
    });
    return result;
  });
}

export function cacheRestoreAction(context: StepRunContext, inputs: Record<string, string>): Promise<ActionResult> {
  return guarded("actions/cache/restore", async () => {
    const stores = storesOf(context, "actions/cache/restore");
    if (typeof stores === "string") return failed(stores);
    const { key, match, result } = await restore(context, stores, inputs);
    return {
      ...result,
      outputs: { ...result.outputs, "cache-primary-key": key, "cache-matched-key": match?.entry.key ?? "" },
    };
  });
}

export function cacheSaveAction(context: StepRunContext, inputs: Record<string, string>): Promise<ActionResult> {
  return guarded("actions/cache/save", async () => {
    const stores = storesOf(context, "actions/cache/save");
    if (typeof stores === "string") return failed(stores);
    const key = requiredInput(inputs, "key");
    const paths = inputLines(requiredInput(inputs, "path"));
    const saved = await saveCache(context, stores, key, paths);
    return saved.outcome === "success" ? succeeded() : failed(saved.message ?? "cache save failed");
  });
}

async function restore(
  context: StepRunContext,
  stores: ObjectStoreAccess,
  inputs: Record<string, string>,
): Promise<{ key: string; paths: string[]; match?: CacheMatch; result: ActionResult }> {
  const { job, dirs, jobLog } = context;
  const key = requiredInput(inputs, "key");
  const paths = inputLines(requiredInput(inputs, "path"));
  const restoreKeys = inputLines(inputs["restore-keys"]);
  for (const candidate of [key, ...restoreKeys]) checkKey(candidate);
  const lookupOnly = booleanInput(inputs, "lookup-only");
  const failOnMiss = booleanInput(inputs, "fail-on-cache-miss");
  const store = await stores.cache();
  const github = (context.contexts.github ?? {}) as Record<string, unknown>;
  const scopes = cacheScopes(job, github);
  const match = await findCache(store, {
    repository: job.repository.fullName,
    scopes,
    key,
    restoreKeys,
    version: cacheVersion(paths),
  });
  if (!match) {
    const message = `Cache not found for input keys: ${[key, ...restoreKeys].join(", ")}`;
    if (failOnMiss)
      return {
        key,
        paths,
        result: failed(`Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: ${key}`, {
          "cache-hit": "false",
        }),
      };
    jobLog.line(message);
    return { key, paths, result: succeeded({ "cache-hit": "false" }) };
  }
  const hit = String(match.exact);
  if (lookupOnly) {
    jobLog.line(`Cache found and can be restored from key: ${match.entry.key}`);
    return { key, paths, match, result: succeeded({ "cache-hit": hit }) };
  }
  const file = await fetchArchive(store, cacheObjectName(match.entry), dirs.temp);
  if (!file) {
    // Aged out between the listing and the read: a miss, not a failure.
    jobLog.line(`Cache not found for input keys: ${[key, ...restoreKeys].join(", ")}`);
    return { key, paths, result: succeeded({ "cache-hit": "false" }) };
  }
  try {
    await extractArchive(file, dirs.workspace, { absolute: true });
  } finally {
    await rm(file, { force: true });
  }
  jobLog.line(
    `Cache restored from key: ${match.entry.key}${match.entry.scope === job.ref ? "" : ` (saved on ${match.entry.scope})`}`,
  );
  return { key, paths, match, result: succeeded({ "cache-hit": hit }) };
}

async function saveCache(
  context: StepRunContext,
  stores: ObjectStoreAccess,
  key: string,
  paths: string[],
): Promise<{ outcome: "success" | "failure"; message?: string }> {
  const { job, dirs, jobLog } = context;
  checkKey(key);
  const found = await findFiles(paths, { workspace: dirs.workspace, home: dirs.home });
  if (found.files.length === 0) {
    jobLog.line(
      "##[warning]Path Validation Error: Path(s) specified in the action for caching do(es) not exist, hence no cache is being saved.",
    );
    return { outcome: "success" };
  }
  const store = await stores.cache();
  const entry: CacheEntry = {
    repository: job.repository.fullName,
    scope: job.ref,
    key,
    version: cacheVersion(paths),
    size: 0,
    createdAt: "",
  };
  const name = cacheObjectName(entry);
  const existing = await store.info(name);
  const taken = `Failed to save: Unable to reserve cache with key ${key}, another job may be creating this cache.`;
  if (existing && !existing.deleted) {
    jobLog.line(`##[warning]${taken}`);
    return { outcome: "success" };
  }
  // The job's own tree (workspace, HOME) relative to the workspace; anything else absolute.
  const members = found.files.map((file) =>
    relative(dirs.root, file).split(sep)[0] === ".." ? file : relative(dirs.workspace, file),
  );
  const archive = await createArchive(dirs.temp, dirs.workspace, members, { absolute: true });
  try {
    const description = JSON.stringify({
      ...entry,
      size: archive.size,
      createdAt: new Date().toISOString(),
    } satisfies CacheEntry);
    await putArchive(store, name, description, archive.file, existing?.revision ?? 0);
    jobLog.line(`Cache saved with key: ${key} (${archive.size} bytes)`);
  } catch (error) {
    if (!isTaken(error)) return { outcome: "failure", message: `Failed to save cache: ${(error as Error).message}` };
    jobLog.line(`##[warning]${taken}`);
  } finally {
    await rm(archive.file, { force: true });
  }
  return { outcome: "success" };
}
