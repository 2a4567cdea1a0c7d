/**
 * GitHub's primary rate limit, made small enough for a test to reach: `fake.rateLimit =
 * { limit: 60, windowMs: 10_000 }` gives every caller (each installation, the app's JWT,
 * anonymous) `limit` REST requests per window. A window opens with a caller's first request
 * and ends at its `x-ratelimit-reset` (whole epoch seconds, as GitHub states it). Every answer
 * carries GitHub's headers (`x-ratelimit-limit`, `-remaining`, `-used`, `-reset`, `-resource`);
 * a request past the limit is refused as GitHub refuses it — 403, `x-ratelimit-remaining: 0`,
 * "API rate limit exceeded for installation ID N." — changes nothing, and is recorded in
 * `fake.rateLimited`: a client that keeps to its budget leaves that list empty.
 */
import { error, type Reply } from "./http.ts";

export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

export interface RateLimitedRecord {
  method: string;
  path: string;
  caller: string;
  at: number;
}

interface Window {
  used: number;
  resetSeconds: number;
}

const DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api";

export interface RateLimiter {
  /** GitHub's headers for this request, and the refusal when the caller's budget is spent. */
  take(caller: string, now?: number): { headers: Record<string, string>; refused?: Reply };
}

export function rateLimiter(rule: RateLimitRule): RateLimiter {
  const windows = new Map<string, Window>();
  return {
    take(caller, now = Date.now()) {
      let window = windows.get(caller);
      if (!window || now >= window.resetSeconds * 1000) {
        window = { used: 0, resetSeconds: Math.ceil((now + rule.windowMs) / 1000) };
        windows.set(caller, window);
      }
      const refused = window.used >= rule.limit;
      if (!refused) window.used++;
      const headers = {
        "x-ratelimit-limit": String(rule.limit),
        "x-ratelimit-remaining": String(rule.limit - window.used),
        "x-ratelimit-used": String(window.used),
        "x-ratelimit-reset": String(window.resetSeconds),
        "x-ratelimit-resource": "core",
      };
      if (!refused) return { headers };
      const who = caller.startsWith("installation:")
        ? `installation ID ${caller.slice("installation:".length)}`
        : caller;
      return { headers, refused: { ...error(403, `API rate limit exceeded for ${who}.`, DOCS), headers } };
    },
  };
}
