/**
 * `flotilla runner start` as an operator runs it: `--once` for ephemeral runners,
 * `--concurrency`, and stopping — SIGTERM drains, a second signal hands jobs back at once.
 */
import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { ResultPromise } from "execa";
import { expect, it } from "vitest";
import { jobs } from "../../db/schema.ts";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { runnerProcess } from "../helpers/runner-process.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { suiteProcesses } from "../helpers/suite-processes.ts";

const scratch = scratchDir("flotilla-lifecycle-");
const f = flotillaSuite();
const keep = suiteProcesses();

function runner(name: string, label: string, extra: string[] = []): ResultPromise {
  return keep(
    runnerProcess({
      natsUrl: f.natsUrl,
      prefix: f.prefix,
      name,
      labels: label,
      workDir: join(scratch(), name),
      home: scratch(),
      args: extra,
      env: { FLOTILLA_RUNNER_DRAIN_GRACE_MS: "20000" },
    }),
  );
}

async function push(name: string, workflow: string): Promise<string> {
  const { sha } = await f.pushRepository("ops", name, { ".flotilla/workflows/ci.yml": workflow });
  return sha;
}

const check = (sha: string, name: string, status: string) =>
  f.fake.waitForCheckRun(name, (r) => r.run.head_sha === sha && r.run.status === status, { timeoutMs: 45_000 });

/**
 * A repository `<name>` whose one job `job` runs `step` on label `<name>-test`, pushed, and a
 * runner `runnerName` on that label; resolves once the job runs on it.
 */
async function runningJob(name: string, job: string, step: string, runnerName: string) {
  const label = `${name}-test`;
  const sha = await push(
    name,
    `on: push\njobs:\n  ${job}:\n    runs-on: [self-hosted, ${label}]\n    steps:\n      - run: ${JSON.stringify(step)}\n`,
  );
  const child = runner(runnerName, label);
  await check(sha, job, "in_progress");
  return { sha, child };
}

it("--once takes exactly one job, then exits by itself", { timeout: 180_000 }, async () => {
  const sha = await push(
    "once",
    "on: push\njobs:\n  first:\n    runs-on: [self-hosted, once-test]\n    steps: [{ run: echo one }]\n  second:\n    runs-on: [self-hosted, once-test]\n    steps: [{ run: echo two }]\n",
  );
  // The runner exits once its result is stored; the bot's check run update may trail it.
  const completed = (count: number) =>
    f.fake.waitFor(
      () => {
        const done = f.fake.checkRuns.filter((r) => r.run.head_sha === sha && r.run.status === "completed");
        return done.length >= count && done;
      },
      { timeoutMs: 45_000 },
    );
  const a = await runner("once-a", "once-test", ["--once"]);
  expect(a.exitCode).toBe(0);
  expect(await completed(1)).toHaveLength(1);
  const b = await runner("once-b", "once-test", ["--once"]);
  expect(b.exitCode).toBe(0);
  expect((await completed(2)).map((r) => r.run.conclusion)).toEqual(["success", "success"]);
});

it("SIGTERM drains: the running job finishes, then the runner exits", { timeout: 180_000 }, async () => {
  const { sha, child } = await runningJob("drain", "slow", "sleep 2; echo finished", "drainer");
  child.kill("SIGTERM");
  const run = await check(sha, "slow", "completed");
  expect(run.run.conclusion).toBe("success");
  expect((run.run.output as { text: string }).text).toContain("finished");
  const result = await child;
  expect(result.exitCode).toBe(0);
  expect(result.all).toContain("draining");
});

it("a second signal hands the running job back at once, and another runner runs it", { timeout: 180_000 }, async () => {
  const { sha, child: first } = await runningJob(
    "hurry",
    "long",
    'if [ "$RUNNER_NAME" = hurried ]; then sleep 60; fi; echo "ran on $RUNNER_NAME"',
    "hurried",
  );
  first.kill("SIGINT");
  await new Promise((r) => setTimeout(r, 300));
  first.kill("SIGINT");
  const result = await first;
  expect(result.exitCode).toBe(0);
  expect(result.all).toContain("stopping now");
  runner("rescuer", "hurry-test");
  const run = await check(sha, "long", "completed");
  expect(run.run.conclusion).toBe("success");
  expect((run.run.output as { text: string }).text).toContain("ran on rescuer");
  const [row] = await f.bot.db.db.select().from(jobs).where(eq(jobs.jobKey, "long"));
  expect(row?.attempt).toBeGreaterThan(1);
});

it("--concurrency 2 runs two jobs at once", { timeout: 180_000 }, async () => {
  const sha = await push(
    "pair",
    "on: push\njobs:\n  a:\n    runs-on: [self-hosted, pair-test]\n    steps: [{ run: sleep 1 }]\n  b:\n    runs-on: [self-hosted, pair-test]\n    steps: [{ run: sleep 1 }]\n",
  );
  runner("pair", "pair-test", ["--concurrency", "2"]);
  await check(sha, "a", "completed");
  await check(sha, "b", "completed");
  await f.fake.waitFor(() => f.fake.statuses.find((s) => s.sha === sha && s.status.state === "success"));
  const rows = (await f.bot.db.db.select().from(jobs)).filter((r) => r.jobKey === "a" || r.jobKey === "b");
  const [x, y] = rows.filter((r) => r.runnerName === "pair");
  expect(x && y).toBeTruthy();
  expect(x!.startedAt! < y!.completedAt! && y!.startedAt! < x!.completedAt!).toBe(true);
});
