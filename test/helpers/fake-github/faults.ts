/**
 * Faults a test can make the fake's repository writes (POST, PATCH, PUT, DELETE under
 * /repos/{owner}/{repo}; never reads, token minting or git) answer with, as GitHub does:
 * - `{ status: 502 }`: refused with that status, nothing changes;
 * - `{ status: 502, afterWrite: true }`: the write lands, then the answer is that error (a
 *   proxy gave up after GitHub had done it) — a create sent again makes a second object;
 * - `{ secondaryRateLimit: 1 }`: 403 with `retry-after: 1` and GitHub's documented message
 *   for a secondary rate limit; nothing changes.
 * Set `fake.faults` to a rule deciding per request (undefined: answer normally), e.g.
 * `randomFaults(0.2, { status: 502 })` or `firstFaults(1, { secondaryRateLimit: 1 })`;
 * `fake.injectedFaults` lists what was injected.
 */
import { error, type Reply } from "./http.ts";
import type { JsonObject } from "./types.ts";

export type Fault = { status: number; afterWrite?: boolean } | { secondaryRateLimit: number };

export interface WriteRequest {
  method: string;
  path: string;
  /** The route as GitHub's OpenAPI description spells it, e.g. `/repos/{owner}/{repo}/check-runs`. */
  template: string;
  body: JsonObject | undefined;
}

export type FaultRule = (request: WriteRequest) => Fault | undefined;

export interface FaultRecord {
  method: string;
  path: string;
  fault: Fault;
}

const SECONDARY_RATE_LIMIT =
  "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.";
const SECONDARY_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";

/**
 * A share `rate` of the writes `matches` accepts fail, each with one of `faults` picked at
 * random; with `seed`, the same draws every run (which request gets which still depends on
 * the order they arrive in).
 */
export function randomFaults(
  rate: number,
  faults: Fault | Fault[],
  options: { seed?: number; matches?: (request: WriteRequest) => boolean } = {},
): FaultRule {
  const random = options.seed === undefined ? Math.random : seeded(options.seed);
  const choices = Array.isArray(faults) ? faults : [faults];
  return (request) => {
    if (!(options.matches?.(request) ?? true) || random() >= rate) return undefined;
    return choices[Math.floor(random() * choices.length)];
  };
}

/** The first `count` writes `matches` accepts fail with `fault`; the rest are answered normally. */
export function firstFaults(
  count: number,
  fault: Fault,
  matches: (request: WriteRequest) => boolean = () => true,
): FaultRule {
  let left = count;
  return (request) => {
    if (left <= 0 || !matches(request)) return undefined;
    left--;
    return fault;
  };
}

export function landsBeforeFailing(fault: Fault): boolean {
  return "status" in fault && fault.afterWrite === true;
}

export function faultReply(fault: Fault): Reply {
  if ("secondaryRateLimit" in fault) {
    return {
      ...error(403, SECONDARY_RATE_LIMIT, SECONDARY_DOCS),
      headers: { "retry-after": String(fault.secondaryRateLimit) },
    };
  }
  return error(fault.status, "Server Error");
}

/** mulberry32: small, fast, good enough to pick which writes fail. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
