/**
 * `flotilla runner start` as an operator runs it: `--once` for ephemeral runners,
 * `--concurrency`, and stopping — SIGTERM drains, a second signal hands jobs back at once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { type ResultPromise } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { jobs } from "../../db/schema.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { INSTALLATION_ID, startFlotilla, type Flotilla } from "../helpers/flotilla.ts";
import { pushPayload } from "../helpers/webhooks.ts";
import { runnerProcess } from "../helpers/runner-process.ts";

let f: Flotilla;
let scratch: string;
const children: ResultPromise[] = [];

beforeAll(async () => {
  f = await startFlotilla();
  scratch = await mkdtemp(join(tmpdir(), "flotilla-lifecycle-"));
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.allSettled(children);
  await f?.close();
  await rm(scratch, { recursive: true, force: true });
});

function runner(name: string, label: string, extra: string[] = []): ResultPromise {
  const child = runnerProcess({
    natsUrl: f.natsUrl,
    prefix: f.prefix,
    name,
    labels: label,
    workDir: join(scratch, name),
    home: scratch,
    args: extra,
    env: { FLOTILLA_RUNNER_DRAIN_GRACE_MS: "20000" },
  });
  children.push(child);
  return child;
}

async function push(name: string, workflow: string): Promise<string> {
  const dir = join(scratch, `repo-${name}`);
  const { sha } = await createRepo(dir, { ".flotilla/workflows/ci.yml": workflow });
  const repo = await f.fake.addRepository({ owner: "ops", name, dir, private: true, installationId: INSTALLATION_ID });
  expect((await f.deliver("push", pushPayload(repo, { sha, installationId: INSTALLATION_ID }))).status).toBe(202);
  return sha;
}

const check = (sha: string, name: string, status: string) =>
  f.fake.waitForCheckRun(name, (r) => r.run.head_sha === sha && r.run.status === status, { timeoutMs: 45_000 });

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
  const sha = await push(
    "drain",
    "on: push\njobs:\n  slow:\n    runs-on: [self-hosted, drain-test]\n    steps: [{ run: 'sleep 2; echo finished' }]\n",
  );
  const child = runner("drainer", "drain-test");
  await check(sha, "slow", "in_progress");
  child.kill("SIGTERM");
  const run = await check(sha, "slow", "completed");
  expect(run.run.conclusion).toBe("success");
  expect((run.run.output as { text: string }).text).toContain("finished");
  const result = await child;
  expect(result.exitCode).toBe(0);
  expect(result.all).toContain("draining");
});

it("a second signal hands the running job back at once, and another runner runs it", { timeout: 180_000 }, async () => {
  const sha = await push(
    "hurry",
    'on: push\njobs:\n  long:\n    runs-on: [self-hosted, hurry-test]\n    steps:\n      - run: if [ "$RUNNER_NAME" = hurried ]; then sleep 60; fi; echo "ran on $RUNNER_NAME"\n',
  );
  const first = runner("hurried", "hurry-test");
  await check(sha, "long", "in_progress");
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
