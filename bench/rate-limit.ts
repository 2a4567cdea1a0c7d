/**
 * GitHub writes per job under a rate limit, in the same run: the fake GitHub gives every
 * caller 60 REST requests per 10-second window (403 past it, as GitHub answers), and one push
 * plans a matrix of `legs` one-step `true` jobs. Measured until every check run is completed:
 * writes per check run (mean and max; the `in_progress` update is what the bot drops under
 * pressure), how many went without their `in_progress`, the requests GitHub refused (the goal:
 * none), and the time. The limit is lifted again before the next part.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Fleet } from "./fleet.ts";
import { createRepo } from "../test/helpers/git-repo.ts";
import { postWebhook, pushPayload, signedDelivery } from "../test/helpers/webhooks.ts";

const BUDGET = { limit: 60, windowMs: 10_000 };

export interface RateLimitBench {
  jobs: number;
  budget: typeof BUDGET;
  writesPerJob: { mean: number; max: number };
  /** Check runs that went from queued to completed: their `in_progress` was dropped. */
  withoutInProgress: number;
  /** Requests GitHub refused for an exhausted budget. */
  refused: number;
  /** REST requests the bot sent meanwhile (the refused among them). */
  requests: number;
  seconds: number;
}

function workflow(legs: number): string {
  const values = Array.from({ length: legs }, (_, i) => i + 1).join(", ");
  return `name: budget\non: push\njobs:\n  leg:\n    runs-on: self-hosted\n    strategy:\n      matrix:\n        n: [${values}]\n    steps:\n      - run: "true"\n`;
}

export async function rateLimitBench(fleet: Fleet, legs: number): Promise<RateLimitBench> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-bench-budget-"));
  try {
    const { sha } = await createRepo(join(dir, "repo"), { ".flotilla/workflows/budget.yml": workflow(legs) });
    const repo = await fleet.fake.addRepository({
      owner: "bench",
      name: "budget",
      dir: join(dir, "repo"),
      private: true,
      installationId: 9,
    });
    const refusedBefore = fleet.fake.rateLimited.length;
    const rest = () => fleet.fake.requests.filter((r) => r.path.startsWith("/api/v3")).length;
    const requestsBefore = rest();
    fleet.fake.rateLimit = BUDGET;
    const t0 = performance.now();
    const delivery = await signedDelivery(pushPayload(repo, { sha, installationId: 9 }), {
      secret: fleet.app.webhookSecret,
      event: "push",
    });
    const answer = await postWebhook(fleet.webhookUrl, delivery);
    if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
    const ours = () => fleet.fake.checkRuns.filter((r) => r.repo === repo.full_name);
    await fleet.fake.waitFor(() => ours().length >= legs && ours().every((r) => r.run.status === "completed"), {
      timeoutMs: 600_000,
    });
    const seconds = (performance.now() - t0) / 1000;
    fleet.fake.rateLimit = undefined;
    const writes = ours().map((r) => r.history.length);
    return {
      jobs: legs,
      budget: BUDGET,
      writesPerJob: {
        mean: Math.round((writes.reduce((a, b) => a + b, 0) / writes.length) * 100) / 100,
        max: Math.max(...writes),
      },
      withoutInProgress: ours().filter((r) => !r.history.some((h) => h.body.status === "in_progress")).length,
      refused: fleet.fake.rateLimited.length - refusedBefore,
      requests: rest() - requestsBefore,
      seconds: Math.round(seconds * 10) / 10,
    };
  } finally {
    fleet.fake.rateLimit = undefined;
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatRateLimitBench(b: RateLimitBench): string[] {
  return [
    `rate limit          ${b.jobs} jobs against ${b.budget.limit} requests per ${b.budget.windowMs / 1000} s: writes/job mean ${b.writesPerJob.mean}, max ${b.writesPerJob.max} (goal ≤ 3)`,
    `                    ${b.withoutInProgress} check runs without in_progress, ${b.refused} requests refused (goal 0) of ${b.requests}, ${b.seconds} s`,
  ];
}
