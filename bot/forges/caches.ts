/**
 * Caches that keep forge round trips off the webhook → job path and off each command. All are
 * only caches: losing them (a restart, another replica) costs a request, never correctness.
 */
import { Lru } from "toad-cache";
import type { Permission } from "./forge.ts";

/** Workflow file contents by blob SHA: content-addressed, so never stale. */
export type BlobCache = Lru<string>;

export function blobCache(max = 2000): BlobCache {
  return new Lru<string>(max);
}

/**
 * Repository-scoped clone tokens. GitHub's last an hour (GitLab deploy tokens are made to last a day); one is reused while at least
 * `minRemainingMs` is left, so a job that waits in the queue still clones with a live token.
 */
export interface TokenCache {
  get(key: string): string | undefined;
  set(key: string, token: string, expiresAt: string): void;
}

export function tokenCache(minRemainingMs = 40 * 60_000, max = 1000): TokenCache {
  const entries = new Lru<{ token: string; expiresAt: number }>(max);
  return {
    get(key) {
      const entry = entries.get(key);
      return entry && entry.expiresAt - Date.now() > minRemainingMs ? entry.token : undefined;
    },
    set(key, token, expiresAt) {
      entries.set(key, { token, expiresAt: Date.parse(expiresAt) });
    },
  };
}

/**
 * A user's permission on a repository, for `PERMISSION_TTL_MS`: a burst of commands costs one
 * read, and a permission taken away stops steering within a minute.
 */
export interface PermissionCache {
  get(key: string): Permission | undefined;
  set(key: string, permission: Permission): void;
}

export function permissionCache(ttlMs = 60_000, max = 5000): PermissionCache {
  const entries = new Lru<{ permission: Permission; until: number }>(max);
  return {
    get(key) {
      const entry = entries.get(key);
      return entry && entry.until > Date.now() ? entry.permission : undefined;
    },
    set(key, permission) {
      entries.set(key, { permission, until: Date.now() + ttlMs });
    },
  };
}
