/**
 * Which cache a restore gets, as GitHub documents it: in the run's own ref first, then the
 * base branch of a pull request, then the default branch (a cache made there is visible to
 * every branch; a branch never sees another branch's). In each scope: the exact key, then
 * the newest entry whose key starts with the key, then with each restore key in order.
 */
import { createHash } from "node:crypto";
import type { JobMessage } from "../../../protocol/messages.ts";
import { type ArchiveStore, CacheEntry, describedAs } from "../../../protocol/object-stores.ts";
import { InputError } from "./results.ts";

export interface CacheMatch {
  entry: CacheEntry;
  /** The primary key itself, in some scope: `cache-hit`. */
  exact: boolean;
}

/** The scopes a job may read, its own first; its own is the only one it writes. */
export function cacheScopes(job: JobMessage, github: Record<string, unknown>): string[] {
  const scopes = [job.ref];
  const baseRef = typeof github.base_ref === "string" ? github.base_ref : "";
  if (baseRef) scopes.push(`refs/heads/${baseRef}`);
  const repository = (github.event as { repository?: { default_branch?: unknown } } | undefined)?.repository;
  const defaultBranch = typeof repository?.default_branch === "string" ? repository.default_branch : "";
  if (defaultBranch) scopes.push(`refs/heads/${defaultBranch}`);
  return [...new Set(scopes)];
}

/** GitHub's cache version: the paths as written and the compression, so other paths never match. */
export function cacheVersion(paths: readonly string[]): string {
  return createHash("sha256")
    .update([...paths, "gzip"].join("|"))
    .digest("hex")
    .slice(0, 32);
}

/** GitHub's limits on a key: at most 512 characters, no commas. */
export function checkKey(key: string): void {
  if (key.length > 512) throw new InputError(`Key Validation Error: ${key} cannot be larger than 512 characters.`);
  if (key.includes(",")) throw new InputError(`Key Validation Error: ${key} cannot contain commas.`);
}

export async function findCache(
  store: ArchiveStore,
  query: { repository: string; scopes: string[]; key: string; restoreKeys: string[]; version: string },
): Promise<CacheMatch | undefined> {
  const entries: CacheEntry[] = [];
  for (const object of await store.list()) {
    const entry = describedAs(CacheEntry, object);
    if (entry && entry.repository === query.repository && entry.version === query.version) entries.push(entry);
  }
  const newestFirst = entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  for (const scope of query.scopes) {
    const inScope = newestFirst.filter((entry) => entry.scope === scope);
    const exact = inScope.find((entry) => entry.key === query.key);
    if (exact) return { entry: exact, exact: true };
    for (const prefix of [query.key, ...query.restoreKeys]) {
      const match =
        inScope.find((entry) => entry.key === prefix) ?? inScope.find((entry) => entry.key.startsWith(prefix));
      if (match) return { entry: match, exact: false };
    }
  }
  return undefined;
}
