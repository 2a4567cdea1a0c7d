/**
 * Release passes against real Postgres, NATS and the fake GitHub: a job is published once its
 * `needs` finished, completed as skipped when its `if` says so, held back by `max-parallel`, and
 * a job claimed but never acked by JetStream is published again — once.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobs } from "../../../db/schema.ts";
import { markCompleted } from "../../../bot/reporter/store-report.ts";
import { releaseReadyJobs } from "../../../bot/scheduler/release-jobs.ts";
import type { RunRow } from "../../../bot/runs/rows.ts";
import { hooksFor, planRun, publishedMessage, rowsByKey, startCore, streamMessages, type Core } from "../support.ts";

let core: Core;

beforeAll(async () => {
  core = await startCore("release");
});

afterAll(async () => {
  await core?.close();
});

const job = (key: string, extra = "") =>
  `  ${key}:\n    runs-on: self-hosted\n${extra}    steps:\n      - run: echo ${key}\n`;

/** A push run of a workflow `name` holding `jobs` (job() texts), planned. */
const plan = (name: string, jobs: string) => planRun(core, `name: ${name}\non: push\njobs:\n${jobs}`);

/** One release pass over the run, as the planner and the reporter make them. */
const release = (run: RunRow) => releaseReadyJobs(core.deps, run, hooksFor(core, run));

async function complete(jobId: string, conclusion: string, outputs: Record<string, string> = {}) {
  await markCompleted(core.db, jobId, { attempt: 1, conclusion, steps: [], outputs, at: new Date() });
}

describe("needs", () => {
  it("publishes a job once what it needs completed, with their results and outputs", async () => {
    const { run } = await plan("Needs", `${job("build")}${job("test", "    needs: build\n")}`);
    await release(run);
    let rows = await rowsByKey(core, run.id);
    expect(rows.get("build")!.streamSeq).not.toBeNull();
    expect(rows.get("test")!.publishedAt).toBeNull();

    await complete(rows.get("build")!.id, "success", { version: "1.2" });
    await release(run);
    rows = await rowsByKey(core, run.id);
    const message = await publishedMessage(core, rows.get("test")!);
    expect(message.executions).toEqual({ default: rows.get("test")!.id });
    expect(message.contexts.needs).toEqual({ build: { result: "success", outputs: { version: "1.2" } } });
  });
});

describe("if", () => {
  it("completes a job whose if is false as skipped, without publishing it, and settles the run", async () => {
    const { run } = await plan(
      "Skip",
      `${job("build")}${job("deploy", "    needs: build\n    if: github.ref == 'refs/heads/release'\n")}`,
    );
    await release(run);
    await complete((await rowsByKey(core, run.id)).get("build")!.id, "success");
    await release(run);

    const deploy = (await rowsByKey(core, run.id)).get("deploy")!;
    expect(deploy).toMatchObject({ status: "completed", conclusion: "skipped", streamSeq: null });
    expect(core.fake.checkRuns.find((r) => r.id === deploy.checkRunId)?.run).toMatchObject({
      status: "completed",
      conclusion: "skipped",
    });
    const statuses = core.fake.statuses.filter((s) => s.sha === core.sha && s.status.context === "flotilla/Skip");
    expect(statuses.at(-1)?.status.state).toBe("success");
  });
});

describe("a forge's own context", () => {
  it("decides a job's if and runs-on with it, and carries it in the messages of the jobs that run", async () => {
    const gitlab = { object_kind: "push", project: { path_with_namespace: "group/app" } };
    const workflow = `name: Forge
on: push
jobs:
  build:
    if: gitlab.object_kind == 'push'
    runs-on: \${{ gitlab.project.path_with_namespace == 'group/app' && 'self-hosted' || 'elsewhere' }}
    steps:
      - run: echo \${{ gitlab.object_kind }}
${job("review", "    if: gitlab.object_kind == 'merge_request'\n")}`;
    const { run } = await planRun(core, workflow, { contexts: { gitlab } });
    await release(run);

    const rows = await rowsByKey(core, run.id);
    expect(rows.get("review")).toMatchObject({ status: "completed", conclusion: "skipped", streamSeq: null });
    expect(rows.get("build")!.labels).toEqual(["self-hosted"]);
    const message = await publishedMessage(core, rows.get("build")!);
    expect(message.contexts.gitlab).toEqual(gitlab);
    expect(message.contexts.github).toMatchObject({ event_name: "push" });
  });
});

describe("max-parallel", () => {
  it("publishes no more legs of a matrix at once than max-parallel allows", async () => {
    const { run } = await plan(
      "Legs",
      `${job("test", "    strategy:\n      max-parallel: 1\n      matrix:\n        n: [1, 2, 3]\n")}`,
    );
    const published = async () => [...(await rowsByKey(core, run.id)).values()].filter((r) => r.publishedAt !== null);

    await release(run);
    const first = await published();
    expect(first).toHaveLength(1);
    await release(run);
    expect(await published()).toHaveLength(1);

    await complete(first[0]!.id, "success");
    await release(run);
    const now = await published();
    expect(now).toHaveLength(2);
    expect(now.filter((r) => r.status !== "completed")).toHaveLength(1);
  });
});

describe("a claimed job JetStream never acked", () => {
  it("is published again with its claim, and a publish that did land is not doubled", async () => {
    const { run, rows } = await plan("Unacked", job("only"));
    const only = rows[0]!;
    // Claimed by a pass whose publish never reached JetStream (the bus was down, the bot died).
    await core.db
      .update(jobs)
      .set({ publishedAt: new Date(), claim: "claimed-before", attemptBase: 0 })
      .where(eq(jobs.id, only.id));
    const before = await streamMessages(core);

    await release(run);
    const published = (await rowsByKey(core, run.id)).get("only")!;
    expect(published.streamSeq).not.toBeNull();
    expect((await publishedMessage(core, published)).claim).toBe("claimed-before");
    expect(await streamMessages(core)).toBe(before + 1);

    // The publish landed but its ack was lost: the next pass publishes again, and JetStream keeps one.
    await core.db.update(jobs).set({ streamSeq: null }).where(eq(jobs.id, only.id));
    await release(run);
    const again = (await rowsByKey(core, run.id)).get("only")!;
    expect(again.streamSeq).toBe(published.streamSeq);
    expect(await streamMessages(core)).toBe(before + 1);
  });
});
