/**
 * Caches that keep GitHub round trips off the webhook → job path. Both are only caches:
 * losing them (a restart, another replica) costs a request, never correctness.
 */
import { Lru } from "toad-cache";

/** Workflow file contents by blob SHA: content-addressed, so never stale. */
export type BlobCache = Lru<string>;

export function blobCache(max = 2000): BlobCache {
  return new Lru<string>(max);
}

/**
 * Repository-scoped clone tokens. GitHub's last an hour; one is reused while at least
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
