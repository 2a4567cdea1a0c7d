/**
 * Which jobs a `/rerun` or `/cancel` means, over the rows of a commit's runs: what did not
 * succeed, every leg of a matrix job or one named leg, a namespace, and the replies when
 * nothing matches.
 */
import { describe, expect, it } from "vitest";
import { chooseCancels, chooseReruns, type RunJobs } from "../../../bot/commands/choose-jobs.ts";
import type { JobRow, RunRow } from "../../../bot/runs/rows.ts";

const SHA = "abc1234def5678";

let ids = 0;
function row(jobKey: string, namespace: string, status: JobRow["status"], conclusion: string | null): JobRow {
  const jobId = jobKey.split(" ")[0]!;
  return {
    id: `job-${++ids}`,
    jobKey,
    jobId,
    name: jobKey,
    namespace,
    status,
    conclusion,
    runAttempt: 1,
  } as JobRow;
}

const run = { id: "run-1", sha: SHA, workflowName: "CI" } as RunRow;

function commit(rows: JobRow[]): RunJobs[] {
  return [{ run, rows }];
}

const keys = (chosen: ReturnType<typeof chooseReruns>) =>
  chosen.ok ? chosen.value.flatMap(({ rows }) => rows.map((r) => `${r.jobKey}@${r.namespace}`)) : chosen.reason;

const rows = [
  row("lint", "default", "completed", "success"),
  row("build (linux, 20)", "default", "completed", "failure"),
  row("build (linux, 22)", "default", "completed", "success"),
  row("build (linux, 20)", "arm", "completed", "cancelled"),
  row("deploy", "default", "completed", "skipped"),
  row("e2e", "arm", "completed", "timed_out"),
  row("docs", "arm", "completed", "action_required"),
];

describe("chooseReruns", () => {
  it.each([
    [
      "what did not succeed",
      { which: "failed" },
      ["build (linux, 20)@default", "build (linux, 20)@arm", "e2e@arm", "docs@arm"],
    ],
    [
      "what did not succeed, in one namespace",
      { which: "failed", namespace: "arm" },
      ["build (linux, 20)@arm", "e2e@arm", "docs@arm"],
    ],
    [
      "every job",
      { which: "all", namespace: "default" },
      ["lint@default", "build (linux, 20)@default", "build (linux, 22)@default", "deploy@default"],
    ],
    [
      "every leg of a matrix job by its id",
      { which: "named", jobs: ["build"], namespace: "default" },
      ["build (linux, 20)@default", "build (linux, 22)@default"],
    ],
    ["one leg by its name", { which: "named", jobs: ["build (linux, 22)"] }, ["build (linux, 22)@default"]],
    [
      "a check run's name with its namespace",
      { which: "named", jobs: ["build (linux, 20) [arm]"] },
      ["build (linux, 20)@arm"],
    ],
    ["names in any case", { which: "named", jobs: ["LINT"] }, ["lint@default"]],
  ] as const)("takes %s", (_what, command, expected) => {
    const chosen = chooseReruns(commit(rows), { name: "rerun", jobs: [], ...command } as never, SHA);
    expect(keys(chosen)).toEqual(expected);
  });

  it("names the commit's jobs when a name matches none", () => {
    const chosen = chooseReruns(commit(rows), { name: "rerun", which: "named", jobs: ["nosuch", "lint"] }, SHA);
    expect(chosen).toEqual({
      ok: false,
      reason:
        "No job `nosuch` at abc1234. Its jobs: `build (linux, 20)`, `build (linux, 22)`, `deploy`, `docs`, `e2e`, `lint`.",
    });
  });

  it("says when nothing failed", () => {
    const passed = [row("lint", "default", "completed", "success")];
    expect(chooseReruns(commit(passed), { name: "rerun", which: "failed", jobs: [] }, SHA)).toEqual({
      ok: false,
      reason: "Nothing to re-run: no job of abc1234 failed, was cancelled, timed out or was lost.",
    });
  });

  it("names the namespaces that ran the commit when the one asked for did not", () => {
    expect(chooseReruns(commit(rows), { name: "rerun", which: "all", jobs: [], namespace: "x86" }, SHA)).toEqual({
      ok: false,
      reason: "No jobs in namespace `x86`. Namespaces that ran this commit: arm, default.",
    });
  });
});

describe("chooseCancels", () => {
  it("takes the queued and running jobs, and says when there are none", () => {
    const open = [row("a", "default", "queued", null), row("b", "default", "in_progress", null), ...rows];
    const chosen = chooseCancels(commit(open), undefined, SHA);
    expect(chosen.ok && chosen.value[0]!.rows.map((r) => r.jobKey)).toEqual(["a", "b"]);
    expect(chooseCancels(commit(rows), undefined, SHA)).toEqual({
      ok: false,
      reason: "Nothing to cancel: no job of abc1234 is queued or running.",
    });
  });
});
