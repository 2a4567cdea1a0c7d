/**
 * Re-runs against real Postgres, NATS and the fake GitHub: a new attempt with new check runs
 * for the chosen jobs and their dependents, the first attempt's outputs kept for their `needs`,
 * the old rows kept as history, and nothing changed when a chosen job is still running.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobs, runs } from "../../../db/schema.ts";
import { markCompleted } from "../../../bot/reporter/store-report.ts";
import { releaseReadyJobs } from "../../../bot/scheduler/release-jobs.ts";
import { rerunJobs } from "../../../bot/scheduler/rerun-jobs.ts";
import { hooksFor, planRun, publishedMessage, rowsByKey, startCore, type Core } from "../support.ts";

let core: Core;

beforeAll(async () => {
  core = await startCore("rerun");
});

afterAll(async () => {
  await core?.close();
});

const job = (key: string, extra = "") =>
  `  ${key}:\n    runs-on: self-hosted\n${extra}    steps:\n      - run: echo ${key}\n`;

const workflow = `name: Pipeline\non: push\njobs:\n${job("build", "    outputs:\n      version: x\n")}${job("test", "    needs: build\n")}${job("deploy", "    needs: test\n")}${job("lint")}`;

async function complete(jobId: string, conclusion: string, outputs: Record<string, string> = {}) {
  await markCompleted(core.db, jobId, { attempt: 1, conclusion, steps: [], outputs, at: new Date() });
}

async function release(runId: string) {
  const [run] = await core.db.select().from(runs).where(eq(runs.id, runId));
  await releaseReadyJobs(core.deps, run!, hooksFor(core, run!));
}

describe("rerunJobs", () => {
  it("re-runs a failed job and what needs it as a new attempt, keeping the outputs it needs", async () => {
    const { run } = await planRun(core, workflow);
    await release(run.id);
    let rows = await rowsByKey(core, run.id);
    await complete(rows.get("build")!.id, "success", { version: "1.2" });
    await complete(rows.get("lint")!.id, "success");
    await release(run.id);
    rows = await rowsByKey(core, run.id);
    await complete(rows.get("test")!.id, "failure");
    await release(run.id);
    const first = await rowsByKey(core, run.id);
    expect(first.get("deploy")).toMatchObject({ status: "completed", conclusion: "skipped" });
    const checksBefore = core.fake.checkRuns.length;
    const oldCheck = core.fake.checkRuns.find((c) => c.id === first.get("test")!.checkRunId)!;
    const oldHistory = oldCheck.history.length;

    const result = await rerunJobs(core.deps, core.forge, run, [first.get("test")!], "@octocat");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.attempt).toBe(2);
    expect(result.value.rows.map((r) => r.jobKey).sort()).toEqual(["deploy", "test"]);

    const second = await rowsByKey(core, run.id);
    // Build and lint keep their first attempt's rows; test and deploy are new rows.
    expect(second.get("build")!.id).toBe(first.get("build")!.id);
    expect(second.get("lint")!.id).toBe(first.get("lint")!.id);
    expect(second.get("test")!.id).not.toBe(first.get("test")!.id);
    expect(second.get("test")).toMatchObject({ runAttempt: 2, status: "queued" });
    const old = await core.db
      .select()
      .from(jobs)
      .where(eq(jobs.id, first.get("test")!.id));
    expect(old[0]).toMatchObject({ conclusion: "failure" });
    expect(old[0]!.supersededAt).not.toBeNull();

    // Two new check runs, queued; the old ones stay as they were.
    expect(core.fake.checkRuns.length).toBe(checksBefore + 2);
    const newTest = core.fake.checkRuns.find((c) => c.id === second.get("test")!.checkRunId)!;
    expect(newTest.run).toMatchObject({ status: "queued", external_id: second.get("test")!.id });
    expect(oldCheck.history.length).toBe(oldHistory);

    // Released at once with build's outputs from attempt 1, as attempt 2.
    const message = await publishedMessage(core, second.get("test")!);
    expect(message.runAttempt).toBe(2);
    expect(message.contexts.github.run_attempt).toBe(2);
    expect(message.contexts.needs).toEqual({ build: { result: "success", outputs: { version: "1.2" } } });
    const status = core.fake.statuses.filter((s) => s.status.context === "flotilla/Pipeline").at(-1);
    expect(status?.status).toMatchObject({ state: "pending", description: "Re-run by @octocat" });

    await complete(second.get("test")!.id, "success");
    await release(run.id);
    const third = await rowsByKey(core, run.id);
    expect(third.get("deploy")!.streamSeq).not.toBeNull();
    await complete(third.get("deploy")!.id, "success");
    await release(run.id);
    const [done] = await core.db.select().from(runs).where(eq(runs.id, run.id));
    expect(done).toMatchObject({ attempt: 2 });
  });

  it("refuses to re-run a job that is still running, changing nothing", async () => {
    const { run } = await planRun(core, `name: Busy\non: push\njobs:\n${job("build")}`);
    await release(run.id);
    const rows = await rowsByKey(core, run.id);
    const checksBefore = core.fake.checkRuns.length;
    const result = await rerunJobs(core.deps, core.forge, run, [rows.get("build")!], "@octocat");
    expect(result).toEqual({ ok: false, reason: "build is still running or queued" });
    expect(core.fake.checkRuns.length).toBe(checksBefore);
    const [same] = await core.db.select().from(runs).where(eq(runs.id, run.id));
    expect(same!.attempt).toBe(1);
  });
});
