/**
 * A user's permission on a repository, remembered for a minute. Every command but `/help`
 * needs it, and a comment with three commands, or a user pressing "Re-run" on five checks,
 * should cost GitHub one read, not five (issue 11: at most one read per command, cached per
 * user and repository for 60 s). Lookups for the same key while one is in flight share it; a
 * failed lookup is forgotten at once, so the next command asks again. Keys ignore case, as
 * GitHub does for logins and repository names.
 */
import type { RepoRef } from "../runs/repo-ref.ts";
import type { Forge, Permission } from "../forges/forge.ts";

export type PermissionLookup = (repo: RepoRef, login: string) => Promise<Permission>;

export interface PermissionCacheOptions {
  /** How long an answer is kept once it arrives (default 60 s). */
  ttlMs?: number;
  /** Milliseconds now (default `Date.now`); tests pass a clock they move. */
  now?: () => number;
  /** Entries kept at most; expired ones are dropped first, then the oldest (default 10,000). */
  maxEntries?: number;
}

interface Entry {
  answer: Promise<Permission>;
  /** Infinity while the lookup is in flight. */
  expiresAt: number;
}

export function cachePermissions(
  lookup: PermissionLookup,
  { ttlMs = 60_000, now = Date.now, maxEntries = 10_000 }: PermissionCacheOptions = {},
): PermissionLookup {
  const entries = new Map<string, Entry>();

  function makeRoom(): void {
    if (entries.size < maxEntries) return;
    const at = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= at) entries.delete(key);
    for (const key of entries.keys()) {
      if (entries.size < maxEntries) break;
      entries.delete(key);
    }
  }

  return (repo, login) => {
    const key = `${repo.fullName.toLowerCase()}\n${login.toLowerCase()}`;
    const cached = entries.get(key);
    if (cached && cached.expiresAt > now()) return cached.answer;
    entries.delete(key);
    makeRoom();
    // A lookup that throws instead of rejecting still reaches the caller as a rejection.
    const answer = new Promise<Permission>((resolve) => resolve(lookup(repo, login)));
    const entry: Entry = { answer, expiresAt: Number.POSITIVE_INFINITY };
    entries.set(key, entry);
    entry.answer.then(
      () => {
        entry.expiresAt = now() + ttlMs;
      },
      () => {
        if (entries.get(key) === entry) entries.delete(key);
      },
    );
    return entry.answer;
  };
}

/**
 * The bot's one cache, over whichever installation's forge serves the repository: the forge
 * of the latest call is the one asked (any forge of that installation answers the same).
 */
export function cachedForgePermissions(
  options?: PermissionCacheOptions,
): (forge: Forge, repo: RepoRef, login: string) => Promise<Permission> {
  const forges = new Map<string, Forge>();
  const cached = cachePermissions((repo, login) => {
    const forge = forges.get(repo.fullName.toLowerCase());
    if (!forge) throw new Error(`no forge for ${repo.fullName}`);
    return forge.permission(repo, login);
  }, options);
  return (forge, repo, login) => {
    forges.set(repo.fullName.toLowerCase(), forge);
    return cached(repo, login);
  };
}
