/**
 * Runner reports applied by the reporter against real Postgres, NATS and the fake GitHub: a
 * started report gives the check run a Cancel button; a completed report completes the job,
 * its check run (taking the button away) and the commit status; a report of an attempt that
 * is over changes nothing; a completion delivered again after the job was marked completed
 * finishes what follows it (the jobs that need it are released).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode, type RunnerEventInput } from "../../../protocol/messages.ts";
import { PermanentError } from "../../../bot/bus/consume-loop.ts";
import { applyRunnerMessage, type ReporterDeps } from "../../../bot/reporter/apply-runner-event.ts";
import { markCompleted } from "../../../bot/reporter/store-report.ts";
import type { JobRow } from "../../../bot/runs/rows.ts";
import { releaseReadyJobs } from "../../../bot/scheduler/release-jobs.ts";
import { hooksFor, planRun, publishedMessage, rowsByKey, startCore, type Core } from "../support.ts";

let core: Core;
let deps: ReporterDeps;

beforeAll(async () => {
  core = await startCore("reports");
  deps = { ...core.deps, names: core.bus.names, forgeForRun: async () => core.forge, failureComment: true };
});

afterAll(async () => {
  await core?.close();
});

const RUNNER = { name: "r1", namespace: "default", labels: ["self-hosted"], version: "test" };
const job = (key: string, extra = "") =>
  `  ${key}:\n    runs-on: self-hosted\n${extra}    steps:\n      - run: echo ${key}\n`;

/** A runner's report, as it arrives on its status subject. */
async function report(row: JobRow, event: Record<string, unknown> & { type: RunnerEventInput["type"] }, attempt = 1) {
  const { claim } = await publishedMessage(core, row);
  const message = { v: 1, executionId: row.id, attempt, claim, at: new Date().toISOString(), ...event };
  await applyRunnerMessage(deps, core.bus.names.statusSubject("r1", row.id), encode(message));
}

const completed = (conclusion = "success") => ({
  type: "completed" as const,
  conclusion,
  steps: [],
  logTail: "done\n",
  outputs: {},
});
const checkRunOf = (row: JobRow) => core.fake.checkRuns.find((r) => r.id === row.checkRunId)?.run;

async function released(workflow: string) {
  const { run } = await planRun(core, workflow);
  await releaseReadyJobs(core.deps, run, hooksFor(core, run));
  return { run, rows: await rowsByKey(core, run.id) };
}

describe("a completed report", () => {
  it("completes the job, its check run and the run's commit status", async () => {
    const { run, rows } = await released(`name: Done\non: push\njobs:\n${job("only")}`);
    const only = rows.get("only")!;
    await report(only, { type: "started", runner: RUNNER });
    expect(checkRunOf(only)).toMatchObject({ status: "in_progress" });
    // While it runs, the check run shows a Cancel button; completed, none.
    const buttons = () => core.fake.checkRuns.find((r) => r.id === only.checkRunId)?.actions;
    expect(buttons()).toEqual([{ label: "Cancel", description: "Cancel this job", identifier: "cancel" }]);
    await report(only, completed());
    expect(buttons()).toEqual([]);

    expect((await rowsByKey(core, run.id)).get("only")).toMatchObject({
      status: "completed",
      conclusion: "success",
      attempt: 1,
    });
    expect(checkRunOf(only)).toMatchObject({ status: "completed", conclusion: "success" });
    const statuses = core.fake.statuses.filter((s) => s.sha === core.sha && s.status.context === "flotilla/Done");
    expect(statuses.at(-1)?.status.state).toBe("success");
  });
});

describe("a stale attempt", () => {
  it("is refused: the job stays on its current attempt and its check run stays open", async () => {
    const { run, rows } = await released(`name: Stale\non: push\njobs:\n${job("only")}`);
    const only = rows.get("only")!;
    await report(only, { type: "started", runner: RUNNER }, 1);
    // The lease ran out; the job's next delivery started attempt 2 elsewhere.
    await report(only, { type: "started", runner: { ...RUNNER, name: "r2" } }, 2);
    await report(only, completed("failure"), 1);

    expect((await rowsByKey(core, run.id)).get("only")).toMatchObject({
      status: "in_progress",
      attempt: 2,
      conclusion: null,
      runnerName: "r2",
    });
    expect(checkRunOf(only)).toMatchObject({ status: "in_progress" });
  });
});

describe("a completion delivered again", () => {
  it("finishes the follow-ups the first delivery did not: the job that needs it is released", async () => {
    const { run, rows } = await released(
      `name: Again\non: push\njobs:\n${job("build")}${job("test", "    needs: build\n")}`,
    );
    const build = rows.get("build")!;
    await report(build, { type: "started", runner: RUNNER });
    // The first delivery marked it completed, then failed before releasing what needs it.
    await markCompleted(core.db, build.id, {
      attempt: 1,
      conclusion: "success",
      steps: [],
      outputs: {},
      at: new Date(),
    });
    expect((await rowsByKey(core, run.id)).get("test")!.publishedAt).toBeNull();

    await report(build, completed());
    const test = (await rowsByKey(core, run.id)).get("test")!;
    expect(test.streamSeq).not.toBeNull();
    expect((await publishedMessage(core, test)).contexts.needs).toEqual({ build: { result: "success", outputs: {} } });
  });
});

describe("a report about no job of ours", () => {
  it("is refused for good (not redelivered): a log chunk or a step for an id that is no job", async () => {
    const chunk = { v: 1, executionId: "not-a-job", attempt: 1, claim: "x", seq: 0, offset: 0, data: "hi" };
    await expect(
      applyRunnerMessage(deps, core.bus.names.logsSubject("r1", "not-a-job"), encode(chunk)),
    ).rejects.toBeInstanceOf(PermanentError);
    const step = {
      v: 1,
      type: "step",
      executionId: "00000000-0000-4000-8000-000000000000x",
      attempt: 1,
      claim: "x",
      at: new Date().toISOString(),
      index: 0,
      name: "s",
      status: "in_progress",
    };
    await expect(
      applyRunnerMessage(deps, core.bus.names.statusSubject("r1", "x"), encode(step)),
    ).rejects.toBeInstanceOf(PermanentError);
  });
});
