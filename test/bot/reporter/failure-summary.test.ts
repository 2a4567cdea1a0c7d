/**
 * The failure summary against real Postgres, NATS and the fake GitHub, driven through the
 * reporter as runners' reports complete pull request runs: one comment listing each failed job
 * of the head (workflow, namespace, log link, the `/rerun` line — which parses back to that job),
 * nothing while the run is open or when nothing failed, the same comment edited when a later
 * attempt passes or the head moves on, one comment when two runs complete at once or the
 * comment's id was never stored, a lost runner counted as a failure, and none with
 * FAILURE_COMMENT off.
 */
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullRequests, jobs, runs } from "../../../db/schema.ts";
import { encode } from "../../../protocol/messages.ts";
import { chooseReruns, type RunJobs } from "../../../bot/commands/choose-jobs.ts";
import { parseComment } from "../../../bot/commands/parse-comment.ts";
import * as planner from "../../../bot/planner/store-run.ts";
import { applyRunnerMessage, type ReporterDeps } from "../../../bot/reporter/apply-runner-event.ts";
import { SUMMARY_MARKER, updateFailureSummary } from "../../../bot/reporter/failure-summary.ts";
import { applyMaxDeliveries } from "../../../bot/reporter/runner-lost.ts";
import { markCompleted, markStarted } from "../../../bot/reporter/store-report.ts";
import { currentJobsOf } from "../../../bot/runs/current-jobs.ts";
import type { RunContext } from "../../../bot/runs/run-context.ts";
import type { JobRow, RunRow } from "../../../bot/runs/rows.ts";
import { releaseReadyJobs } from "../../../bot/scheduler/release-jobs.ts";
import { rerunJobs } from "../../../bot/scheduler/rerun-jobs.ts";
import { commitFiles } from "../../helpers/git-repo.ts";
import { runContext } from "../../helpers/run-context.ts";
import { hooksFor, planRun, publishedMessage, rowsByKey, startCore, type Core } from "../support.ts";

let core: Core;
let deps: ReporterDeps;

beforeAll(async () => {
  core = await startCore("summary");
  deps = { ...core.deps, names: core.bus.names, forgeForRun: async () => core.forge, failureComment: true };
});

afterAll(async () => {
  await core?.close();
});

const RUNNER = { name: "r1", namespace: "default", labels: ["self-hosted"], version: "test" };
const job = (key: string, extra = "") =>
  `  ${key}:\n    runs-on: self-hosted\n${extra}    steps:\n      - run: echo ${key}\n`;

let numbers = 0;

function prContext(number: number, sha: string): Partial<RunContext> {
  return {
    eventName: "pull_request",
    ref: `refs/pull/${number}/merge`,
    sha,
    pullRequest: { number, headRef: "feature", baseRef: "main", author: "octocat", headOwner: core.repo.owner },
  };
}

/** A run of pull request `number` at `sha`, its head as the planner records it, first jobs released. */
async function planPr(workflow: string, number: number, sha: string, namespaces?: string[]) {
  const context = prContext(number, sha);
  const { run } = await planRun(core, workflow, context, namespaces);
  await planner.recordPullRequest(core.db, runContext({ ...context, repo: core.repo }));
  await releaseReadyJobs(core.deps, run, hooksFor(core, run));
  return run;
}

/** The runner's `started` and `completed` reports for the row, applied by the reporter. */
async function finish(row: JobRow, conclusion: string, using: ReporterDeps = deps) {
  const { claim } = await publishedMessage(core, row);
  const subject = core.bus.names.statusSubject("r1", row.id);
  const base = { v: 1, executionId: row.id, attempt: 1, claim };
  await applyRunnerMessage(
    using,
    subject,
    encode({ ...base, at: new Date().toISOString(), type: "started", runner: RUNNER }),
  );
  const completed = { type: "completed", conclusion, steps: [], logTail: "done\n", outputs: {} };
  await applyRunnerMessage(using, subject, encode({ ...base, at: new Date().toISOString(), ...completed }));
}

/** The run's current rows by check run name (`key [namespace]` outside default). */
async function rowsOf(run: RunRow): Promise<Map<string, JobRow>> {
  const rows = await core.db.select().from(jobs).where(currentJobsOf(run.id));
  return new Map(rows.map((r) => [r.namespace === "default" ? r.jobKey : `${r.jobKey} [${r.namespace}]`, r]));
}

const botComments = (number: number) =>
  core.fake.comments.filter(
    (c) => c.repo === core.repo.fullName && c.issueNumber === number && c.comment.user.type === "Bot",
  );

function theSummary(number: number) {
  const all = botComments(number);
  expect(all).toHaveLength(1);
  expect(all[0]!.comment.body.startsWith(SUMMARY_MARKER)).toBe(true);
  return all[0]!;
}

interface Listed {
  cells: string[];
  jobId: string;
  command: string;
}

/** The summary's table rows: their cells, the job each links the log of, and its `/rerun` line. */
function listed(body: string): Listed[] {
  return body
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replaceAll("\\|", "|"));
      const jobId = /\/jobs\/([0-9a-f-]{36})\?token=/.exec(cells[4]!)?.[1] ?? "";
      const command = /^`+ ?(.*?) ?`+$/.exec(cells[5]!)?.[1] ?? "";
      return { cells, jobId, command };
    });
}

async function runsAt(sha: string): Promise<RunJobs[]> {
  const found = await core.db
    .select()
    .from(runs)
    .where(and(eq(runs.repository, core.repo.fullName), eq(runs.sha, sha)));
  return Promise.all(
    found.map(async (run) => ({ run, rows: await core.db.select().from(jobs).where(currentJobsOf(run.id)) })),
  );
}

/** Each printed line, parsed as a comment would be, re-runs exactly the job it is listed with. */
async function expectCommandsRerunTheirJobs(body: string, sha: string) {
  const atHead = await runsAt(sha);
  for (const { command, jobId } of listed(body)) {
    const [parsed] = parseComment(command);
    expect(parsed?.ok, command).toBe(true);
    if (!parsed?.ok || parsed.value.command.name !== "rerun") throw new Error(`${command} is not a /rerun`);
    const chosen = chooseReruns(atHead, parsed.value.command, sha);
    expect(chosen.ok, command).toBe(true);
    if (!chosen.ok) return;
    expect(
      chosen.value.flatMap(({ rows }) => rows.map((r) => r.id)),
      command,
    ).toEqual([jobId]);
  }
}

let heads = 0;

/** A new commit: each test's runs are the only ones at its head. */
async function newHead(): Promise<string> {
  return commitFiles(core.dir, { [`change-${++heads}.txt`]: "x\n" });
}

describe("a pull request's run that ends with failures", () => {
  const workflow = `name: CI
on: pull_request
jobs:
${job("build")}${job("unit", "    name: Unit tests\n")}${job("test", "    strategy:\n      fail-fast: false\n      matrix:\n        os: [linux, mac]\n")}${job("lint")}${job("docs")}${job("deploy", "    needs: build\n")}${job("flaky", "    continue-on-error: true\n")}${job("all", "    name: all\n")}`;

  it("gets one comment once the run completes, listing each failed job with its workflow, namespace, log and command", async () => {
    const number = ++numbers;
    const sha = await newHead();
    const run = await planPr(workflow, number, sha);
    const rows = await rowsOf(run);
    await finish(rows.get("build")!, "failure");
    await finish(rows.get("unit")!, "timed_out");
    await finish(rows.get("test (linux)")!, "failure");
    await finish(rows.get("test (mac)")!, "success");
    await finish(rows.get("lint")!, "success");
    await finish(rows.get("flaky")!, "failure");
    // A job the runner never started (GitHub's startup_failure), and one cancelled.
    await markCompleted(core.db, rows.get("all")!.id, {
      attempt: 0,
      conclusion: "startup_failure",
      steps: [],
      outputs: {},
      at: new Date(),
    });
    // Nothing while the run is still going, though jobs failed.
    expect(botComments(number)).toHaveLength(0);
    await finish(rows.get("docs")!, "cancelled");

    const summary = theSummary(number);
    expect(summary.history.map((h) => h.method)).toEqual(["POST"]);
    const body = summary.comment.body;
    const short = sha.slice(0, 7);
    expect(body).toContain(`**4 jobs failed** at ${short}:`);
    const table = listed(body);
    const token = run.accessToken;
    const expectRow = (key: string, name: string, result: string, command: string) => {
      const row = rows.get(key)!;
      const found = table.find((t) => t.jobId === row.id);
      expect(found, key).toBeDefined();
      expect(found!.cells).toEqual([
        `\`${name}\``,
        `[CI](${core.publicUrl}/runs/${run.id}?token=${token}), attempt 1`,
        "`default`",
        result,
        `[log](${core.publicUrl}/jobs/${row.id}?token=${token})`,
        `\`${command}\``,
      ]);
    };
    expectRow("build", "build", "failed", "/rerun build");
    expectRow("unit", "Unit tests", "timed out", '/rerun "Unit tests"');
    expectRow("test (linux)", "test (linux)", "failed", "/rerun test (linux)");
    expectRow("all", "all", "did not start", '/rerun "all"');
    // Passed, cancelled, skipped and allowed-to-fail jobs are not listed.
    expect(table).toHaveLength(4);
    await expectCommandsRerunTheirJobs(body, sha);
  });

  it("names the namespace of each, and the commands say which namespace", async () => {
    const number = ++numbers;
    const sha = await newHead();
    const run = await planPr(`name: Lab\non: pull_request\njobs:\n${job("build")}`, number, sha, [
      "default",
      "arm-lab",
    ]);
    const rows = await rowsOf(run);
    await finish(rows.get("build")!, "failure");
    await finish(rows.get("build [arm-lab]")!, "failure");
    const body = theSummary(number).comment.body;
    const table = listed(body);
    expect(table.map((t) => [t.cells[2], t.command])).toEqual(
      expect.arrayContaining([
        ["`arm-lab`", "/rerun build in arm-lab"],
        ["`default`", "/rerun build in default"],
      ]),
    );
    await expectCommandsRerunTheirJobs(body, sha);
  });
});

describe("a pull request's run with nothing failed", () => {
  it("posts nothing", async () => {
    const number = ++numbers;
    const sha = await newHead();
    const run = await planPr(`name: Green\non: pull_request\njobs:\n${job("build")}${job("docs")}`, number, sha);
    const rows = await rowsOf(run);
    await finish(rows.get("build")!, "success");
    await finish(rows.get("docs")!, "cancelled");
    expect(botComments(number)).toHaveLength(0);
  });
});

describe("a later attempt", () => {
  it("that passes edits the same comment to say so", async () => {
    const number = ++numbers;
    const sha = await newHead();
    const run = await planPr(`name: Retry\non: pull_request\njobs:\n${job("build")}${job("test")}`, number, sha);
    const first = await rowsOf(run);
    await finish(first.get("build")!, "success");
    await finish(first.get("test")!, "failure");
    const posted = theSummary(number);
    expect(listed(posted.comment.body).map((t) => t.command)).toEqual(["/rerun test"]);

    const again = await rerunJobs(core.deps, core.forge, run, [first.get("test")!], "@octocat");
    if (!again.ok) throw new Error(again.reason);
    // While the new attempt runs, the comment stays as it was.
    expect(theSummary(number).history).toHaveLength(1);
    await finish((await rowsByKey(core, run.id)).get("test")!, "success");

    const edited = theSummary(number);
    expect(edited.comment.id).toBe(posted.comment.id);
    expect(edited.history.map((h) => h.method)).toEqual(["POST", "PATCH"]);
    expect(edited.comment.body).toBe(`${SUMMARY_MARKER}\n**All jobs of ${sha.slice(0, 7)} passed** (on attempt 2).`);
  });
});

describe("a newer push", () => {
  it("makes the summary about the new head: a late run of the old head leaves it, the new head's edits it", async () => {
    const number = ++numbers;
    const old = await newHead();
    const failing = `name: Old\non: pull_request\njobs:\n${job("build")}`;
    const first = await planPr(failing, number, old);
    await finish((await rowsOf(first)).get("build")!, "failure");
    const late = await planPr(`name: Late\non: pull_request\njobs:\n${job("slow")}`, number, old);
    expect(theSummary(number).history).toHaveLength(1);

    const sha = await newHead();
    const fresh = await planPr(`name: New\non: pull_request\njobs:\n${job("build")}`, number, sha);
    // The old head's last run ends with a failure: the pull request has moved on.
    await finish((await rowsOf(late)).get("slow")!, "failure");
    expect(theSummary(number).history).toHaveLength(1);

    await finish((await rowsOf(fresh)).get("build")!, "success");
    const summary = theSummary(number);
    expect(summary.history.map((h) => h.method)).toEqual(["POST", "PATCH"]);
    expect(summary.comment.body).toContain(`**All jobs of ${sha.slice(0, 7)} passed** (on attempt 1).`);
  });
});

describe("one comment", () => {
  it("when two runs of the head complete at once, on two bots", async () => {
    const number = ++numbers;
    const sha = await newHead();
    const a = await planPr(`name: A\non: pull_request\njobs:\n${job("left")}`, number, sha);
    const b = await planPr(`name: B\non: pull_request\njobs:\n${job("right")}`, number, sha);
    const other: ReporterDeps = { ...deps, forgeForRun: async () => core.forge };
    await Promise.all([
      finish((await rowsOf(a)).get("left")!, "failure"),
      finish((await rowsOf(b)).get("right")!, "failure", other),
    ]);
    const summary = theSummary(number);
    expect(summary.history.map((h) => h.method)).toEqual(["POST", "PATCH"]);
    expect(listed(summary.comment.body).map((t) => t.command)).toEqual(["/rerun left", "/rerun right"]);
  });

  it("when two summaries are written at once, and when the comment's id was never stored", async () => {
    const number = ++numbers;
    const sha = await newHead();
    // Someone quoting the marker does not get their comment taken over.
    core.fake.addComment(core.repo.fullName, number, { login: "octocat", body: `quoting ${SUMMARY_MARKER}` });
    const run = await planPr(`name: Twice\non: pull_request\njobs:\n${job("build")}`, number, sha);
    const [row] = [...(await rowsOf(run)).values()];
    await markCompleted(core.db, row!.id, {
      attempt: 0,
      conclusion: "failure",
      steps: [],
      outputs: {},
      at: new Date(),
    });
    const at = { repository: core.repo.fullName, pullNumber: number, sha };
    await Promise.all([
      updateFailureSummary(core.deps, core.forge, at, core.log),
      updateFailureSummary(core.deps, core.forge, at, core.log),
    ]);
    const summary = theSummary(number);
    expect(summary.history.map((h) => h.method)).toEqual(["POST", "PATCH"]);

    // The post's answer was lost: no id stored. The comment is found by its marker and edited.
    const where = and(eq(pullRequests.repository, core.repo.fullName), eq(pullRequests.number, number));
    await core.db.update(pullRequests).set({ summaryCommentId: null }).where(where);
    await updateFailureSummary(core.deps, core.forge, at, core.log);
    expect(theSummary(number).history.map((h) => h.method)).toEqual(["POST", "PATCH", "PATCH"]);
    const [pr] = await core.db.select().from(pullRequests).where(where);
    expect(pr!.summaryCommentId).toBe(summary.comment.id);
  });
});

describe("a job whose runners were lost", () => {
  it("is listed as failed", async () => {
    const number = ++numbers;
    const sha = await newHead();
    const run = await planPr(`name: Lost\non: pull_request\njobs:\n${job("build")}`, number, sha);
    const [row] = [...(await rowsOf(run)).values()];
    await markStarted(core.db, row!, 1, { id: randomUUID(), name: "gone" }, new Date());
    const advisory = {
      stream: core.bus.names.jobsStream("default"),
      consumer: "x",
      stream_seq: Number(row!.streamSeq),
      deliveries: 3,
    };
    await applyMaxDeliveries({ ...deps, maxAttempts: 1 }, encode(advisory));
    const [cells] = listed(theSummary(number).comment.body).map((t) => t.cells);
    expect(cells![3]).toBe("runner lost");
  });
});

describe("FAILURE_COMMENT=false", () => {
  it("writes no summary", async () => {
    const number = ++numbers;
    const sha = await newHead();
    const run = await planPr(`name: Off\non: pull_request\njobs:\n${job("build")}`, number, sha);
    await finish((await rowsOf(run)).get("build")!, "failure", { ...deps, failureComment: false });
    expect(botComments(number)).toHaveLength(0);
  });
});
