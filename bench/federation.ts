/**
 * Federation (docs/federation.md): two Flotillas joined by a leaf node, as the federation suite
 * sets them up. Each sample is one push of `acme/widgets` delivered to upstream's webhook, timed
 * from the delivery to the moment each side's runner started its job (the job row's
 * `started_at`): upstream's own runner (the figure inside one Flotilla) and downstream's, which
 * got the event through upstream's federation stream, the leaf node, its sourcing stream and its
 * planner. Goal (issue 17): downstream p50 ≤ 2 × upstream p50 + 2 × natsRoundTrip.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, isNotNull } from "drizzle-orm";
import { jobs, runs } from "../db/schema.ts";
import { startFederatedPair } from "../test/helpers/federated-pair.ts";
import type { Flotilla } from "../test/helpers/flotilla.ts";
import { commitFiles } from "../test/helpers/git-repo.ts";
import { natsRoundTrips } from "./floor.ts";
import { summary } from "./stats.ts";

type Percentiles = { p50: number; p90: number; p99: number };

export interface FederationBench {
  samples: number;
  upstreamPushToStarted: Percentiles;
  downstreamPushToStarted: Percentiles;
  natsRoundTrip: { p50: number };
  goal: number;
  meetsGoal: boolean;
}

async function startedAt(flotilla: Flotilla, sha: string): Promise<number | undefined> {
  const [row] = await flotilla.bot.db.db
    .select({ at: jobs.startedAt })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(and(eq(runs.sha, sha), isNotNull(jobs.startedAt)))
    .limit(1);
  return row?.at?.getTime();
}

async function waitStarted(flotilla: Flotilla, sha: string): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const at = await startedAt(flotilla, sha);
    if (at !== undefined) return at;
    if (Date.now() > deadline) throw new Error(`the job of ${sha} never started`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function federationBench(samples: number): Promise<FederationBench> {
  const root = await mkdtemp(join(tmpdir(), "flotilla-bench-federation-"));
  const pair = await startFederatedPair(root, { namespaces: ["lab"] });
  try {
    const natsRoundTrip = summary(await natsRoundTrips(pair.down.natsUrl, pair.down.prefix, 200)).p50;
    const upstream: number[] = [];
    const downstream: number[] = [];
    for (let i = 0; i < samples + 2; i++) {
      const sha = await commitFiles(pair.widgets.dir, { "change.txt": `${i}\n` }, `sample ${i}`);
      const t0 = Date.now();
      await pair.up.push(pair.widgets.repo, sha);
      const [up, down] = await Promise.all([waitStarted(pair.up, sha), waitStarted(pair.down, sha)]);
      // The first two warm both sides (mirrors, consumers).
      if (i < 2) continue;
      upstream.push(up - t0);
      downstream.push(down - t0);
    }
    const upstreamPushToStarted = summary(upstream);
    const downstreamPushToStarted = summary(downstream);
    const goal = Math.round((2 * upstreamPushToStarted.p50 + 2 * natsRoundTrip) * 10) / 10;
    return {
      samples,
      upstreamPushToStarted,
      downstreamPushToStarted,
      natsRoundTrip: { p50: natsRoundTrip },
      goal,
      meetsGoal: downstreamPushToStarted.p50 <= goal,
    };
  } finally {
    await pair.close();
    await rm(root, { recursive: true, force: true });
  }
}

export function formatFederationBench(bench: FederationBench): string {
  const fmt = (p: Percentiles) => `${p.p50} / ${p.p90} / ${p.p99}`;
  return [
    `federation (${bench.samples} pushes, p50 / p90 / p99 ms):`,
    `  push → upstream job started    ${fmt(bench.upstreamPushToStarted)}`,
    `  push → downstream job started  ${fmt(bench.downstreamPushToStarted)}   goal ≤ ${bench.goal} ms (2 × upstream + 2 × natsRoundTrip ${bench.natsRoundTrip.p50}) ${bench.meetsGoal ? "met" : "NOT met"}`,
  ].join("\n");
}
