/**
 * A runner's resident memory and its gap between jobs, measured on one `flotilla runner start`
 * process of its own (label `bench-memory`, so the fleet's runners never take its jobs): RSS
 * once it is up and idle, and after it ran `jobs` one-step jobs queued at once; the gap from one
 * job's end to the next one's start (runner-stamped, from Postgres). Beside it, a bare `node`
 * idling, the floor no runner can go below. Started as the bench's runners are (from source,
 * through tsx) and, when `dist/` is built, as the installed package runs it.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { execa } from "execa";
import postgres from "postgres";
import { runnerStartArgs } from "../test/helpers/runner-process.ts";
import { flotillaProcesses, type Fleet } from "./fleet.ts";
import { summary } from "./stats.ts";

const DIST_MAIN = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

interface RunnerMemory {
  idleMiB: number;
  afterJobsMiB: number;
  gap: { p50: number; p99: number };
}

export interface RunnerMemoryResult {
  jobs: number;
  /** `node -e` idling: node's own RSS. */
  nodeFloorMiB: number;
  /** From source through tsx, as the bench's runners run. */
  source: RunnerMemory;
  /** As an installed package runs it (dist/ as last built), when dist/ exists. */
  dist?: RunnerMemory;
}

export async function runnerMemoryBench(
  fleet: Fleet,
  jobs: number,
  push: () => Promise<void>,
): Promise<RunnerMemoryResult> {
  const scratch = await mkdtemp(join(tmpdir(), "flotilla-bench-memory-"));
  const sql = postgres(fleet.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const idler = execa("node", ["-e", "setInterval(() => {}, 1000)"], { reject: false });
    await new Promise((r) => setTimeout(r, 1000));
    const nodeFloorMiB = await rssMiB(idler.pid);
    idler.kill();
    await idler;
    const source = await measure(fleet, sql, scratch, "source", jobs, push);
    let dist: RunnerMemory | undefined;
    if (existsSync(DIST_MAIN)) {
      // What bin/flotilla.js does from dist/ for `runner start` (no JSON-module hook).
      const launcher = join(scratch, "dist-launcher.mjs");
      await writeFile(
        launcher,
        `const { main } = await import(${JSON.stringify(new URL(`file://${DIST_MAIN}`).href)});\nprocess.exit(await main(process.argv.slice(2)));\n`,
      );
      dist = await measure(fleet, sql, scratch, "dist", jobs, push, launcher);
    }
    return { jobs, nodeFloorMiB, source, ...(dist ? { dist } : {}) };
  } finally {
    await sql.end();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function measure(
  fleet: Fleet,
  sql: postgres.Sql,
  scratch: string,
  variant: string,
  jobs: number,
  push: () => Promise<void>,
  launcher?: string,
): Promise<RunnerMemory> {
  const name = `bench-memory-${variant}`;
  // BENCH_NODE_ARGS as the fleet's processes get them (`--max-semi-space-size=1`, a heap profile…).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const processes = flotillaProcesses({
    home: scratch,
    natsUrl: fleet.natsUrl,
    prefix: fleet.prefix,
    nodeArgs,
    launcher,
  });
  const nc = await connect({ servers: fleet.natsUrl });
  try {
    // Up: its first heartbeat names it.
    const heartbeats = nc.subscribe(`${fleet.prefix}.heartbeat.>`);
    const up = (async () => {
      for await (const msg of heartbeats) if (msg.string().includes(`"${name}"`)) return;
    })();
    await nc.flush();
    const runner = processes.start(
      runnerStartArgs({
        natsUrl: fleet.natsUrl,
        prefix: fleet.prefix,
        name,
        labels: "bench-memory",
        workDir: join(scratch, name),
      }),
    );
    await up;
    heartbeats.unsubscribe();
    await new Promise((r) => setTimeout(r, 1000));
    const idleMiB = await rssMiB(runner.pid);
    const repo = fleet.repos.memory.repo.full_name;
    const done = () => fleet.fake.checkRuns.filter((r) => r.repo === repo && r.run.status === "completed").length;
    const before = done();
    for (let i = 0; i < jobs; i++) await push();
    await fleet.fake.waitFor(() => done() >= before + jobs, { timeoutMs: 600_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const afterJobsMiB = await rssMiB(runner.pid);
    const rows = await sql<{ started_at: Date; completed_at: Date }[]>`
      select started_at, completed_at from jobs
      where runner_name = ${name} and status = 'completed' order by started_at`;
    const gaps = rows.slice(1).map((r, i) => r.started_at.getTime() - rows[i]!.completed_at.getTime());
    const g = summary(gaps);
    return { idleMiB, afterJobsMiB, gap: { p50: g.p50, p99: g.p99 } };
  } finally {
    await processes.stop();
    await nc.close();
  }
}

export function formatRunnerMemory(r: RunnerMemoryResult): string[] {
  const line = (label: string, m: RunnerMemory) =>
    `  ${label.padEnd(18)}RSS idle ${m.idleMiB} MiB, after ${r.jobs} jobs ${m.afterJobsMiB} MiB; gap between jobs (${r.jobs} queued) p50 ${m.gap.p50} ms p99 ${m.gap.p99} ms`;
  return [
    `runner memory       goal ≤ 80 MiB idle and between jobs; node alone (the floor) ${r.nodeFloorMiB} MiB`,
    line("from source (tsx)", r.source),
    ...(r.dist ? [line("from dist/", r.dist)] : []),
  ];
}

async function rssMiB(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const { stdout } = await execa("ps", ["-o", "rss=", "-p", String(pid)], { reject: false });
  return Math.round(Number(stdout.trim() || 0) / 1024);
}
