/**
 * Runners fail the ways machines do: killed with -9, frozen (SIGSTOP) past their lease, dying
 * on every attempt. Real runner processes (`flotilla runner start`), the real bot with a
 * two-second lease, real NATS and Postgres. Jobs are never lost, never reported twice, a frozen
 * runner cannot overwrite a newer attempt, and a job whose runners keep vanishing ends as
 * "Runner lost". Also: nothing a job started outlives it.
 */
import { randomInt } from "node:crypto";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { execa, type ResultPromise } from "execa";
import { afterAll, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { jobs } from "../../db/schema.ts";
import { RUNNER_LOST_TITLE } from "../../bot/runs/links.ts";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { reportsApplied } from "../helpers/reports-applied.ts";
import { until } from "../helpers/until.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { runnerProcess } from "../helpers/runner-process.ts";
import { suiteProcesses } from "../helpers/suite-processes.ts";

const scratch = scratchDir("flotilla-faults-");

const f = flotillaSuite({
  env: { JOB_LEASE_SECONDS: "2" },
});

afterAll(async () => {
  await killLeftovers();
});

const keep = suiteProcesses();

/** A runner process as an operator starts it, extending its two-second lease every 400 ms. */
function runner(name: string, label: string, concurrency = 1): ResultPromise {
  const child = keep(
    runnerProcess({
      natsUrl: f.natsUrl,
      prefix: f.prefix,
      name,
      labels: label,
      workDir: join(scratch(), "work", name),
      home: scratch(),
      args: ["--concurrency", String(concurrency)],
      env: { FLOTILLA_RUNNER_LEASE_EXTEND_MS: "400", FLOTILLA_RUNNER_CANCEL_GRACE_MS: "1000" },
    }),
  );
  const log: string[] = [];
  logs.set(child, log);
  child.all?.on("data", (chunk: Buffer) => log.push(chunk.toString()));
  return child;
}

/** What each runner process printed (JSON log lines). */
const logs = new Map<ResultPromise, string[]>();
const logOf = (child: ResultPromise) => (logs.get(child) ?? []).join("");

async function push(name: string, workflow: string): Promise<string> {
  const { sha } = await f.pushRepository("faults", name, { ".flotilla/workflows/ci.yml": workflow });
  return sha;
}

const completions = (run: CheckRunRecord) =>
  run.history.filter((h) => h.body.status === "completed" || h.body.conclusion !== undefined).length;
const runsOf = (sha: string) => f.fake.checkRuns.filter((r) => r.run.head_sha === sha);
const rowsOf = async (sha: string) =>
  (await f.bot.db.db.select().from(jobs)).filter((r) => (r.spec as { sha?: string } | null)?.sha === sha);

/** Steps that hold a job forever write their process group here, so the suite can end them. */
const holdDirs: string[] = [];

async function killLeftovers(): Promise<void> {
  for (const dir of holdDirs) {
    for (const leg of await readdir(dir).catch(() => [])) {
      const pid = Number((await readFile(join(dir, leg, "pid"), "utf8").catch(() => "")).trim());
      if (pid > 0) {
        try {
          process.kill(-pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  }
}

it("kill -9 of a runner mid-job, 20 times: every job completes once, on another runner", async () => {
  const hold = join(scratch(), "hold-kill");
  await mkdir(hold);
  holdDirs.push(hold);
  const legs = Array.from({ length: 20 }, (_, i) => i + 1);
  // The first runner to get a leg holds it until killed; whoever gets it next finishes it.
  const workflow = `on: push
jobs:
  work:
    runs-on: [self-hosted, kill-test]
    strategy:
      matrix:
        n: [${legs.join(", ")}]
    steps:
      - run: |
          if mkdir "${hold}/\${{ matrix.n }}" 2>/dev/null; then
            echo "$RUNNER_NAME" > "${hold}/\${{ matrix.n }}/holder"
            echo $$ > "${hold}/\${{ matrix.n }}/pid"
            exec sleep 1000
          fi
          echo "finished on $RUNNER_NAME"
`;
  const sha = await push("kill", workflow);
  const killed: string[] = [];
  for (let round = 0; round < 4; round++) {
    const names = Array.from({ length: 5 }, (_, i) => `victim-${round}-${i}`);
    const procs = names.map((name) => runner(name, "kill-test"));
    // Each victim holds a leg (it may first finish a leg a killed runner left behind).
    await until(
      async () => {
        const holders = await Promise.all(
          (await readdir(hold)).map((leg) => readFile(join(hold, leg, "holder"), "utf8").catch(() => "")),
        );
        return names.every((name) => holders.some((h) => h.trim() === name));
      },
      120_000,
      `round ${round} victims to hold a job`,
    );
    for (const proc of procs) proc.kill("SIGKILL");
    await Promise.all(procs);
    killed.push(...names);
  }
  expect(killed).toHaveLength(20);
  // Every leg was held by a victim; two rescuers finish them once their leases lapse.
  runner("rescuer-a", "kill-test", 10);
  runner("rescuer-b", "kill-test", 10);
  await f.fake.waitFor(() => runsOf(sha).length === 20 && runsOf(sha).every((r) => r.run.status === "completed"), {
    timeoutMs: 180_000,
  });

  const runs = runsOf(sha);
  expect(runs.map((r) => r.run.conclusion)).toEqual(Array(20).fill("success"));
  // Exactly one completion written per check run: none lost, none reported twice.
  expect(runs.map(completions)).toEqual(Array(20).fill(1));
  // Each leg finished on a runner other than the one killed holding it.
  const holderOf = async (key: string) =>
    (await readFile(join(hold, /\((\d+)\)/.exec(key)![1]!, "holder"), "utf8")).trim();
  for (const run of runs) {
    const finisher = /finished on (\S+)/.exec((run.run.output as { text?: string }).text ?? "")?.[1];
    expect(finisher).toBeDefined();
    expect(killed).toContain(await holderOf(run.run.name as string));
    expect(finisher).not.toBe(await holderOf(run.run.name as string));
  }
  // The forge is written first, then Postgres.
  const rows = await until(
    async () => ((await rowsOf(sha)).every((r) => r.status === "completed") ? rowsOf(sha) : undefined),
    60_000,
    "the job rows to complete",
  );
  expect(rows).toHaveLength(20);
  for (const row of rows) {
    expect(row).toMatchObject({ status: "completed", conclusion: "success", lostAttempts: 1 });
    expect(row.attempt).toBeGreaterThanOrEqual(2);
    expect(row.runnerName).not.toBe(await holderOf(row.jobKey));
  }
}, 600_000);

it("a runner frozen past its lease cannot overwrite the newer attempt's result", async () => {
  const workflow = `on: push
jobs:
  frozen:
    runs-on: [self-hosted, stop-test]
    steps:
      - run: |
          if [ "$RUNNER_NAME" = zombie ]; then sleep 4; fi
          echo "result of $RUNNER_NAME"
`;
  const sha = await push("stop", workflow);
  const zombie = runner("zombie", "stop-test");
  const row = await until(
    async () => (await rowsOf(sha)).find((r) => r.status === "in_progress" && r.runnerName === "zombie"),
    120_000,
    "the zombie to start the job",
  );
  zombie.kill("SIGSTOP");
  runner("healthy", "stop-test");
  const done = await f.fake.waitForCheckRun("frozen", (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 120_000,
  });
  expect((done.run.output as { text: string }).text).toContain("result of healthy");
  zombie.kill("SIGCONT");
  // The zombie wakes, its step ends, it reports attempt 1 — and the bot refuses it.
  await until(async () => logOf(zombie).includes('"msg":"job completed"'), 60_000, "the zombie to report");
  // Its report is in JetStream before it logs; once the reporter has acknowledged it, it was refused.
  await reportsApplied(f);
  const [after] = await f.bot.db.db.select().from(jobs).where(eq(jobs.id, row.id));
  expect(after).toMatchObject({ status: "completed", conclusion: "success", runnerName: "healthy" });
  expect(after!.attempt).toBeGreaterThan(row.attempt);
  const run = runsOf(sha)[0]!;
  expect(completions(run)).toBe(1);
  expect((run.run.output as { text: string }).text).not.toContain("result of zombie");
  zombie.kill("SIGKILL");
}, 400_000);

it("a job whose runners keep vanishing fails after 3 lost attempts as 'Runner lost'", async () => {
  // The step kills its own runner (the step's parent), every time, on every runner.
  const sha = await push(
    "lost",
    "on: push\njobs:\n  doomed:\n    runs-on: [self-hosted, lost-test]\n    steps:\n      - run: kill -9 $PPID; sleep 5\n",
  );
  for (let i = 1; i <= 4; i++) runner(`lost-${i}`, "lost-test");
  const done = await f.fake.waitForCheckRun("doomed", (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 180_000,
  });
  expect(done.run.conclusion).toBe("failure");
  const output = done.run.output as { title: string; summary: string };
  expect(output.title).toBe(RUNNER_LOST_TITLE);
  expect(output.summary).toContain("infrastructure failure");
  expect(output.summary).toContain("/rerun");
  const holders = [...output.summary.matchAll(/`(lost-\d)`/g)].map((m) => m[1]);
  expect(new Set(holders).size).toBe(3);
  expect(completions(runsOf(sha)[0]!)).toBe(1);
  // Three GitHub writes, as for any job: queued, in progress, completed.
  expect(runsOf(sha)[0]!.history).toHaveLength(3);
  // The forge is written first, then Postgres.
  const row = await until(
    async () => (await rowsOf(sha)).find((r) => r.status === "completed"),
    60_000,
    "the job row to complete",
  );
  expect(row).toMatchObject({ conclusion: "failure", lostAttempts: 3 });
  expect(row!.message).toMatch(/^Runner lost/);
  await f.fake.waitFor(() => f.fake.statuses.find((s) => s.sha === sha && s.status.state === "failure"), {
    timeoutMs: 60_000,
  });
}, 400_000);

it("no process of a job survives it: background children, and a job that times out", async () => {
  const [left, hung, hungBg] = [randomInt(1e6, 1e7), randomInt(1e6, 1e7), randomInt(1e6, 1e7)];
  const workflow = `on: push
jobs:
  leaves:
    runs-on: [self-hosted, ps-test]
    steps:
      - run: |
          sleep 1000.${left} &
          echo forked
  hangs:
    runs-on: [self-hosted, ps-test]
    timeout-minutes: 0.05
    steps:
      - run: |
          sleep 1000.${hungBg} &
          sleep 1000.${hung}
`;
  const sha = await push("ps", workflow);
  runner("ps-runner", "ps-test", 2);
  const [leaves, hangs] = await f.finished(sha, ["leaves", "hangs"], 180_000);
  expect(leaves.run.conclusion).toBe("success");
  expect(hangs.run.conclusion).toBe("timed_out");
  expect(JSON.stringify(hangs.run.output)).toMatch(/timed out/i);
  const { stdout } = await execa("ps", ["-eo", "args"]);
  for (const marker of [left, hungBg, hung]) expect(stdout).not.toContain(`sleep 1000.${marker}`);
}, 300_000);
