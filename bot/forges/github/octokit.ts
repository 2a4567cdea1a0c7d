/**
 * Probot's Octokit (throttling + retry) with a write limiter we can tune and GitHub's rate
 * limits honoured on the request itself. Octokit's stock limiter sends one write per second
 * across every installation, which alone would cost a job three seconds.
 *
 * What a request survives before its caller sees an error:
 * - a 5xx answer (or no answer): Octokit's retry plugin sends it again up to 3 times, after
 *   1, 4 and 9 seconds (a check run create opts out and looks first, see github-forge.ts);
 * - a 403/429 that GitHub marks as a rate limit (a secondary limit's message, or
 *   `x-ratelimit-remaining: 0`): the throttling plugin waits `retry-after` (or until
 *   `x-ratelimit-reset`) and sends it again, up to RATE_LIMIT_RETRIES times. Probot's own
 *   handler for secondary limits only logs, so the write would fail at once; ours retries.
 */
import Bottleneck from "bottleneck";
import type { Logger } from "pino";
import { ProbotOctokit } from "probot";

const RATE_LIMIT_RETRIES = 3;

export interface WriteLimits {
  concurrency: number;
  minIntervalMs: number;
}

interface LimitedRequest {
  method: string;
  url: string;
}

export function limitedOctokit(limits: WriteLimits, log: Logger): typeof ProbotOctokit {
  const write = new Bottleneck.Group({ maxConcurrent: limits.concurrency, minTime: limits.minIntervalMs });
  const retryAfterLimit =
    (kind: "secondary" | "primary") =>
    (retryAfter: number, request: LimitedRequest, _octokit: unknown, retryCount: number) => {
      const retry = retryCount < RATE_LIMIT_RETRIES;
      log.warn(
        { kind, method: request.method, url: request.url, retryAfter, retryCount, retry },
        "github rate limit hit",
      );
      return retry;
    };
  return ProbotOctokit.defaults((options: { throttle?: Record<string, unknown> }) => ({
    ...options,
    throttle: {
      ...options.throttle,
      write,
      onSecondaryRateLimit: retryAfterLimit("secondary"),
      onRateLimit: retryAfterLimit("primary"),
    },
  }));
}
