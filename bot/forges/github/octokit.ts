/**
 * Probot's Octokit (throttling + retry) with a write limiter we can tune. Octokit's stock
 * limiter sends one write per second across every installation, which alone would cost a
 * job three seconds; GitHub's secondary rate limits are still honoured, because the
 * throttling plugin retries after the `retry-after` GitHub sends with a 403/429.
 */
import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";

export interface WriteLimits {
  concurrency: number;
  minIntervalMs: number;
}

export function limitedOctokit(limits: WriteLimits): typeof ProbotOctokit {
  const write = new Bottleneck.Group({ maxConcurrent: limits.concurrency, minTime: limits.minIntervalMs });
  return ProbotOctokit.defaults((options: { throttle?: Record<string, unknown> }) => ({
    ...options,
    throttle: { ...options.throttle, write },
  }));
}
