/**
 * A remote action's repository on this runner: the ref resolved to a commit with
 * `git ls-remote` (one small request per job and repository), then fetched only when that
 * commit is not yet in `<workDir>/_actions/<owner>/<repo>/<commit>` — so every later job
 * that uses the same commit reads it from disk, as GitHub's runner caches downloaded actions.
 * When the server cannot be reached at all, a ref resolved before is used from that cache
 * (with a warning), so a machine offline still runs the actions it has.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { JobMessage } from "../../protocol/messages.ts";
import type { FetchedRepo } from "../step/job-state.ts";
import { ActionError } from "./errors.ts";
import { rememberedRef, rememberRef } from "./remembered-ref.ts";
import { unreachableReason } from "./unreachable.ts";
import { runGit } from "../source/git.ts";

export interface FetchContext {
  job: JobMessage;
  /** `<workDir>/_actions`, shared by the jobs of this runner. */
  actionsDir: string;
  jobLog: { line(text: string): void };
  signal?: AbortSignal;
  /** The runner's `actionsUrl`: the base to fetch from instead of the job's server URL. */
  actionsUrl?: string;
}

export async function fetchActionRepo(
  context: FetchContext,
  target: { owner: string; repo: string; ref: string },
): Promise<FetchedRepo> {
  const { owner, repo, ref } = target;
  const name = `${owner}/${repo}@${ref}`;
  const base = context.actionsUrl ?? context.job.actionsUrl ?? context.job.serverUrl;
  const url = `${base.replace(/\/+$/, "")}/${owner}/${repo}.git`;
  // Anonymous first, as for any public action; the job's token only for its own repository,
  // because it is scoped to that repository and must not be shown to any other — and never to
  // a configured actions server, which is not the job's forge.
  const ownRepo =
    !context.actionsUrl &&
    !context.job.actionsUrl &&
    `${owner}/${repo}`.toLowerCase() === context.job.repository.fullName.toLowerCase();
  const tokens: (string | undefined)[] = [
    undefined,
    ...(ownRepo && context.job.checkout.token ? [context.job.checkout.token] : []),
  ];

  const repoDir = join(context.actionsDir, owner, repo);
  let commit: string | undefined;
  let token: string | undefined;
  let lastError = "";
  for (const candidate of tokens) {
    if (/^[0-9a-f]{40}$/i.test(ref)) {
      commit = ref.toLowerCase();
      break;
    }
    const listed = await runGit(["ls-remote", url, ref, `${ref}^{}`], { token: candidate, signal: context.signal });
    if (!listed.ok) {
      lastError = listed.error;
      // No token makes a server answer that did not answer at all.
      if (unreachableReason(listed.error)) break;
      continue;
    }
    token = candidate;
    commit = pickRef(listed.stdout, ref);
    if (!commit) throw new ActionError(`Unable to resolve action \`${name}\`, unable to find version \`${ref}\``);
    await rememberRef(repoDir, ref, commit);
    break;
  }
  const unreachable = commit ? undefined : unreachableReason(lastError);
  if (!commit && unreachable) {
    const offline = await rememberedRef(repoDir, ref);
    if (!offline)
      throw new ActionError(`Unable to resolve action \`${name}\`: ${cannotReach(context, base, unreachable)}`);
    context.jobLog.line(
      `##[warning]${cannotReach(context, base, unreachable)}; using the cached '${name}' (SHA:${offline.commit}) resolved ${offline.at}`,
    );
    return { owner, repo, ref, commit: offline.commit, dir: join(repoDir, offline.commit) };
  }
  if (!commit)
    throw new ActionError(
      `Unable to resolve action \`${name}\`, repository not found${lastError ? ` (${lastLine(lastError)})` : ""}`,
    );

  const dir = join(repoDir, commit);
  if (await exists(dir)) {
    context.jobLog.line(`Using cached action repository '${name}' (SHA:${commit})`);
    return { owner, repo, ref, commit, dir };
  }
  context.jobLog.line(
    `Download action repository '${name}' (SHA:${commit})${context.actionsUrl ? ` from ${withoutCredentials(context.actionsUrl)}` : ""}`,
  );
  // Fetched beside its final place and renamed in one move: a job running concurrently on this
  // runner sees either nothing or the whole tree, never a half-written one.
  const partial = `${dir}.partial-${randomBytes(4).toString("hex")}`;
  await mkdir(partial, { recursive: true });
  try {
    const steps: string[][] = [
      ["-c", "init.defaultBranch=main", "init", "-q", "--template="],
      ["fetch", "-q", "--depth=1", "--no-tags", url, commit],
      ["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", "FETCH_HEAD"],
    ];
    for (const args of steps) {
      const result = await runGit(args, {
        cwd: partial,
        ...(args[0] === "fetch" && token ? { token } : {}),
        signal: context.signal,
      });
      if (!result.ok) {
        const why = unreachableReason(result.error);
        throw new ActionError(
          `Unable to download action \`${name}\` (SHA:${commit}): ${why ? cannotReach(context, base, why) : lastLine(result.error) || "git failed"}`,
        );
      }
    }
    await rm(join(partial, ".git"), { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await rename(partial, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another job got there first with the same commit: theirs is as good as ours.
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return { owner, repo, ref, commit, dir };
}

/**
 * Says which host did not answer, and where that host came from — so "repository not found"
 * is never said of a network that is down, and the way to another server is named.
 */
function cannotReach(context: FetchContext, base: string, reason: string): string {
  const host = hostOf(base);
  if (context.actionsUrl)
    return `cannot reach ${host} (${reason}), the actions server FLOTILLA_ACTIONS_URL names (${withoutCredentials(base)})`;
  if (context.job.actionsUrl)
    return `cannot reach ${host} (${reason}), where this forge's actions come from (${withoutCredentials(base)})`;
  return `cannot reach ${host} (${reason}): actions come from the job's forge (${withoutCredentials(base)}) unless FLOTILLA_ACTIONS_URL points at another server, such as a mirror`;
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.host || url;
  } catch {
    return url;
  }
}

/** Git's own order for a short name: a tag (peeled to its commit) before a branch. */
function pickRef(listing: string, ref: string): string | undefined {
  const refs = new Map<string, string>();
  for (const line of listing.split("\n")) {
    const [sha, name] = line.trim().split(/\s+/);
    if (sha && name) refs.set(name, sha);
  }
  const candidates = ref.startsWith("refs/")
    ? [`${ref}^{}`, ref]
    : [`refs/tags/${ref}^{}`, `refs/tags/${ref}`, `refs/heads/${ref}`];
  for (const candidate of candidates) {
    const sha = refs.get(candidate);
    if (sha) return sha;
  }
  return undefined;
}

/** A configured URL may carry credentials for a mirror; the job log never shows them. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/+$/, "");
  } catch {
    return "the configured actions server";
  }
}

function lastLine(text: string): string {
  return text.split("\n").filter(Boolean).at(-1) ?? "";
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
