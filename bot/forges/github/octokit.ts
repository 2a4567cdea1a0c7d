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
import type { ObserveApiCall } from "../../ops/metrics.ts";

const RATE_LIMIT_RETRIES = 3;

export interface WriteLimits {
  concurrency: number;
  minIntervalMs: number;
}

interface LimitedRequest {
  method: string;
  url: string;
}

export function limitedOctokit(limits: WriteLimits, log: Logger, observe?: ObserveApiCall): typeof ProbotOctokit {
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
  const limited = ProbotOctokit.defaults((options: { throttle?: Record<string, unknown> }) => ({
    ...options,
    throttle: {
      ...options.throttle,
      write,
      onSecondaryRateLimit: retryAfterLimit("secondary"),
      onRateLimit: retryAfterLimit("primary"),
    },
  }));
  return observe ? limited.plugin(observedRequests(observe)) : limited;
}

/**
 * Every request's answer told to `observe`, by route template (`/repos/{owner}/{repo}/…`: the
 * URL before Octokit fills it in) and status, with the rate-limit budget GitHub says is left.
 */
function observedRequests(observe: ObserveApiCall) {
  return (octokit: Pick<InstanceType<typeof ProbotOctokit>, "hook">) => {
    const record = (options: { method: string; url: string }, status: number | undefined, headers?: object) => {
      const remaining = (headers as Record<string, unknown> | undefined)?.["x-ratelimit-remaining"];
      observe({
        method: options.method,
        route: options.url.split("?")[0]!,
        status: status ?? "error",
        ...(remaining !== undefined ? { rateLimitRemaining: Number(remaining) } : {}),
      });
    };
    octokit.hook.wrap("request", async (request, options) => {
      try {
        const answer = await request(options);
        record(options, answer.status, answer.headers);
        return answer;
      } catch (error) {
        const failed = error as { status?: number; response?: { headers?: object } };
        record(options, failed.status, failed.response?.headers);
        throw error;
      }
    });
  };
}
