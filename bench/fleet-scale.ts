/**
 * The fleet at scale: `flotilla bot` and 2 namespaces × 8 `flotilla runner start` processes.
 * Jobs are queued through the real path first — pushes of a workflow with a 250-leg matrix,
 * each job planned for both namespaces — with no runner up; then the runners start and drain
 * the queue. Measures jobs per second and dispatch latency per namespace, and the resident
 * memory of the bot and of one runner while the queue is full.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { execa } from "execa";
import postgres from "postgres";
import { natsNames, type NatsNames } from "../protocol/names.ts";
import { startFakeGitHub } from "../test/helpers/fake-github.ts";
import { freePort } from "../test/helpers/free-port.ts";
import { deleteStreamsOf } from "../test/helpers/nats-cleanup.ts";
import { createAppCredentials } from "../test/helpers/github-app.ts";
import { createRepo } from "../test/helpers/git-repo.ts";
import { sharedNatsUrl, uniquePrefix } from "../test/helpers/nats-server.ts";
import { createTestDatabase } from "../test/helpers/postgres.ts";
import { runnerStartArgs } from "../test/helpers/runner-process.ts";
import { postWebhook, pushPayload, signedDelivery } from "../test/helpers/webhooks.ts";
import { botEnv, flotillaProcesses, waitForHealth } from "./fleet.ts";
import { summary } from "./stats.ts";

const LEGS = 250;
const NAMESPACES = ["default", "lab"] as const;

export interface FleetScaleOptions {
  /** Jobs planned (each for both namespaces); a multiple of 250. */
  jobs: number;
  runnersPerNamespace: number;
  log: (line: string) => void;
}

export interface FleetScaleResult {
  jobs: number;
  executions: number;
  runners: number;
  /** Executions run (acked by runners) per second, from the fleet's start until the queues were empty. */
  jobsPerSecond: number;
  /** Check runs completed by the bot when the queues were empty, and per second until then. */
  reportedWhenDrained: number;
  reportedPerSecond: number;
  /**
   * Per namespace: executions run per second until its queue was empty; over the reported jobs,
   * queued (or the fleet's start, if later) → started, and a runner's gap from one job's end to
   * the next one's start (the dispatch latency of a busy queue).
   */
  namespaces: Record<
    string,
    { jobsPerSecond: number; queuedToStarted: { p50: number; p99: number }; dispatchGap: { p50: number; p99: number } }
  >;
  /** Resident memory in MiB. */
  rssMiB: { botQueued: number; botMax: number; runnerQueued: number; runnerMax: number };
  planSeconds: number;
}

export async function fleetScaleBench(options: FleetScaleOptions): Promise<FleetScaleResult> {
  const { log } = options;
  const runs = Math.max(1, Math.round(options.jobs / LEGS));
  const app = createAppCredentials();
  const fake = await startFakeGitHub({ app: { appId: app.appId, publicKey: app.publicKey } });
  const database = await createTestDatabase();
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const scratch = await mkdtemp(join(tmpdir(), "flotilla-bench-scale-"));
  const natsUrl = sharedNatsUrl();
  const prefix = uniquePrefix("benchscale");
  // BENCH_NODE_ARGS as in bench/fleet.ts: `--heapsnapshot-signal=SIGUSR2` profiles the bot's queued state.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const processes = flotillaProcesses({ home: scratch, natsUrl, prefix, nodeArgs });
  const nc = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  const names = natsNames(prefix);
  try {
    const matrix = `name: scale\non: push\njobs:\n  leg:\n    runs-on: self-hosted\n    strategy:\n      matrix:\n        a: [${[...Array(10).keys()].join(", ")}]\n        b: [${[...Array(LEGS / 10).keys()].join(", ")}]\n    steps:\n      - run: "true"\n`;
    const dir = join(scratch, "repo");
    const { sha } = await createRepo(dir, { "README.md": "bench\n", ".flotilla/workflows/scale.yml": matrix });
    const repo = await fake.addRepository({ owner: "bench", name: "scale", dir, private: true, installationId: 9 });
    const port = await freePort();
    const bot = processes.start(["bot"], botEnv(fake, app, port, database.url));
    await waitForHealth(`http://127.0.0.1:${port}/healthz`);
    await sql`insert into namespaces (name) values ('lab') on conflict do nothing`;

    log(
      `  fleet scale: queueing ${runs * LEGS} jobs × ${NAMESPACES.length} namespaces (${runs} pushes of a ${LEGS}-leg matrix), no runner up…`,
    );
    const t0 = Date.now();
    for (let i = 0; i < runs; i++) {
      const delivery = await signedDelivery(pushPayload(repo, { sha, installationId: 9 }), {
        secret: app.webhookSecret,
        event: "push",
      });
      const answer = await postWebhook(`http://127.0.0.1:${port}/api/github/webhooks`, delivery);
      if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
    }
    const executions = runs * LEGS * NAMESPACES.length;
    await poll(async () => (await count(sql, "published_at is not null")) >= executions, 1_800_000);
    const planSeconds = (Date.now() - t0) / 1000;
    const botQueued = await rssMiB(bot.pid);
    log(
      `  fleet scale: ${executions} queued after ${planSeconds.toFixed(1)} s; bot RSS ${botQueued} MiB; starting ${NAMESPACES.length} × ${options.runnersPerNamespace} runners…`,
    );

    const fleetStart = new Date();
    const runners = NAMESPACES.flatMap((namespace) =>
      Array.from({ length: options.runnersPerNamespace }, (_, i) =>
        processes.start(
          runnerStartArgs({
            natsUrl,
            prefix,
            namespace,
            name: `${namespace}-${i}`,
            workDir: join(scratch, `${namespace}-${i}`),
          }),
        ),
      ),
    );
    const watched = runners[0]!;
    let runnerQueued = 0;
    let runnerMax = 0;
    let botMax = botQueued;
    // Runners are done when every namespace's queue is empty (all acked); the bot's reports may trail.
    const emptiedAt: Record<string, number> = {};
    await poll(async () => {
      const perQueue = await queued(jsm, names);
      // A listing may briefly miss a consumer: a queue counts as empty from the last time it was not.
      for (const [namespace, n] of Object.entries(perQueue)) {
        if (n > 0) delete emptiedAt[namespace];
        else emptiedAt[namespace] ??= Date.now();
      }
      const left = Object.values(perQueue).reduce((a, b) => a + b, 0);
      const runnerNow = await rssMiB(watched.pid);
      // "While the queue is full": the watched runner is up and working, nine tenths still queued.
      if (runnerQueued === 0 && runnerNow > 0 && left < executions && left > executions * 0.9) runnerQueued = runnerNow;
      runnerMax = Math.max(runnerMax, runnerNow);
      botMax = Math.max(botMax, await rssMiB(bot.pid));
      return left === 0;
    }, 3_600_000);
    const drainSeconds = (Date.now() - fleetStart.getTime()) / 1000;
    const reportedWhenDrained = await count(sql, "status = 'completed'");
    log(
      `  fleet scale: queues empty after ${drainSeconds.toFixed(1)} s; the bot had reported ${reportedWhenDrained} of ${executions}`,
    );

    const rows = await sql<
      { namespace: string; runner_name: string; published_at: Date; started_at: Date; completed_at: Date }[]
    >`
      select namespace, runner_name, published_at, started_at, completed_at from jobs where status = 'completed'`;
    const perNamespace: FleetScaleResult["namespaces"] = {};
    for (const namespace of NAMESPACES) {
      const mine = rows.filter((r) => r.namespace === namespace);
      const queued = mine.map((r) => r.started_at.getTime() - Math.max(r.published_at.getTime(), fleetStart.getTime()));
      const span = ((emptiedAt[namespace] ?? Date.now()) - fleetStart.getTime()) / 1000;
      const gaps: number[] = [];
      for (const name of new Set(mine.map((r) => r.runner_name))) {
        const jobs = mine
          .filter((r) => r.runner_name === name)
          .sort((a, b) => a.started_at.getTime() - b.started_at.getTime());
        for (let i = 1; i < jobs.length; i++)
          gaps.push(jobs[i]!.started_at.getTime() - jobs[i - 1]!.completed_at.getTime());
      }
      const q = summary(queued);
      const g = summary(gaps);
      perNamespace[namespace] = {
        jobsPerSecond: round(executions / NAMESPACES.length / span),
        queuedToStarted: { p50: q.p50, p99: q.p99 },
        dispatchGap: { p50: g.p50, p99: g.p99 },
      };
    }
    return {
      jobs: runs * LEGS,
      executions,
      runners: runners.length,
      jobsPerSecond: round(executions / drainSeconds),
      reportedWhenDrained,
      reportedPerSecond: round(reportedWhenDrained / drainSeconds),
      namespaces: perNamespace,
      rssMiB: { botQueued, botMax, runnerQueued, runnerMax },
      planSeconds: round(planSeconds),
    };
  } finally {
    await processes.stop();
    await sql.end();
    await nc.close();
    await deleteStreamsOf(natsUrl, prefix).catch(() => {});
    await fake.close();
    await database.drop();
    await rm(scratch, { recursive: true, force: true });
  }
}

export function formatFleetScale(r: FleetScaleResult): string[] {
  return [
    `fleet scale         ${r.jobs} jobs × ${Object.keys(r.namespaces).length} namespaces = ${r.executions} executions, ${r.runners} runners: ${r.jobsPerSecond} jobs/s run (planned and queued in ${r.planSeconds} s)`,
    `  reported          ${r.reportedWhenDrained} check runs completed when the queues were empty (${r.reportedPerSecond}/s); latencies below are over those`,
    ...Object.entries(r.namespaces).map(
      ([ns, s]) =>
        `  ${ns.padEnd(8)}          ${s.jobsPerSecond} jobs/s; queued → started p50 ${s.queuedToStarted.p50} ms p99 ${s.queuedToStarted.p99} ms; runner gap between jobs p50 ${s.dispatchGap.p50} ms p99 ${s.dispatchGap.p99} ms`,
    ),
    `  memory (RSS)      bot ${r.rssMiB.botQueued} MiB with ${r.executions} queued (max ${r.rssMiB.botMax}); one runner ${r.rssMiB.runnerQueued} MiB while the queue is full (max ${r.rssMiB.runnerMax})`,
  ];
}

/** Job messages not yet acked, per namespace. */
async function queued(jsm: JetStreamManager, names: NatsNames): Promise<Record<string, number>> {
  const left: Record<string, number> = {};
  for (const namespace of NAMESPACES) {
    left[namespace] = 0;
    for await (const consumer of jsm.consumers.list(names.jobsStream(namespace)))
      left[namespace] += consumer.num_pending + consumer.num_ack_pending;
  }
  return left;
}

async function count(sql: postgres.Sql, where: string): Promise<number> {
  const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from jobs where ${where}`);
  return row?.n ?? 0;
}

async function rssMiB(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const { stdout } = await execa("ps", ["-o", "rss=", "-p", String(pid)], { reject: false });
  return Math.round(Number(stdout.trim() || 0) / 1024);
}

async function poll(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error("fleet scale bench: timed out");
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
