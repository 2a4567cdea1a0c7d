/**
 * Steering a pull request's CI from GitHub, end to end: comment bodies (each command and each
 * trap) and what the fake GitHub received for them — reactions, replies, new check runs or
 * nothing; `/rerun` as a new attempt that passes; the Re-run and Re-run all buttons; `/cancel`
 * and the Cancel button during a running `sleep`. A real bot, runner, NATS, Postgres and git.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUMMARY_MARKER } from "../../bot/reporter/failure-summary.ts";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { INSTALLATION_ID, startFlotilla, type Flotilla } from "../helpers/flotilla.ts";
import { commentOn, type OpenedPr, openBranchPr } from "../helpers/pull-requests.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { until } from "../helpers/until.ts";
import { checkRunPayload, checkSuitePayload } from "../helpers/webhooks.ts";

let f: Flotilla;
const scratch = scratchDir("flotilla-commands-");
let marks: string;

beforeAll(async () => {
  f = await startFlotilla();
  await f.startRunner({ name: "one" });
  await f.startRunner({ name: "two" });
  marks = scratch();
});

afterAll(async () => {
  await f?.close();
});

/** `test` fails until the file `pass` exists in the marks folder; `slow` sleeps until `stop` does. */
function workflow(): string {
  return `name: CI
on: pull_request
jobs:
  build:
    runs-on: self-hosted
    outputs:
      version: \${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: echo "version=1.\${{ github.run_attempt }}" >> "$GITHUB_OUTPUT"
  test:
    needs: build
    runs-on: self-hosted
    steps:
      - run: |
          echo "built \${{ needs.build.outputs.version }} attempt \${{ github.run_attempt }}"
          test -f ${join(marks, "pass")}
`;
}

type Pr = OpenedPr;

let prs = 0;
const openPr = (name: string, files: Record<string, string>) => openBranchPr(f, name, files, ++prs + 10);
const comment = (pr: Pr, login: string, body: string, type: "User" | "Bot" = "User") =>
  commentOn(f, pr, login, body, type);

const checksOf = (pr: Pr, name: string) =>
  f.fake.checkRuns.filter((c) => c.repo === pr.repo.full_name && c.run.head_sha === pr.sha && c.run.name === name);

async function latestCompleted(pr: Pr, name: string, count: number): Promise<CheckRunRecord> {
  return f.fake.waitFor(
    () => {
      const all = checksOf(pr, name);
      return all.length >= count && all[count - 1]!.run.status === "completed" && all[count - 1];
    },
    { timeoutMs: 180_000 },
  );
}

/**
 * GitHub shows a check run completed a moment before Flotilla's row says so (the final state goes
 * to GitHub first, so a crash between the two never loses it); a Re-run pressed in that moment is
 * refused as "still running". A person cannot press that fast; the suite waits for the rows.
 */
async function rowsSettled(pr: Pr): Promise<void> {
  await until(
    async () => {
      const busy = (await f.bot.db.db.execute(
        sql`select count(*)::int as n from jobs j join runs r on r.id = j.run_id
            where r.repository = ${pr.repo.full_name} and r.sha = ${pr.sha} and j.status <> 'completed'`,
      )) as unknown as { n: number }[];
      return busy[0]!.n === 0;
    },
    60_000,
    "the pull request's job rows to complete",
  );
}

const reactionsOn = (id: number) => f.fake.reactions.filter((r) => r.commentId === id).map((r) => r.content);
/** The bot's replies to commands: its comments on the PR, the failure summary left out. */
const repliesOn = (pr: Pr) =>
  f.fake.comments.filter(
    (c) =>
      c.repo === pr.repo.full_name &&
      c.issueNumber === pr.number &&
      c.comment.user.type === "Bot" &&
      !c.comment.body.includes(SUMMARY_MARKER),
  );

async function settledReply(pr: Pr, count: number) {
  return f.fake.waitFor(() => repliesOn(pr).length >= count && repliesOn(pr)[count - 1], { timeoutMs: 120_000 });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("/rerun", { timeout: 240_000 }, () => {
  let pr: Pr;

  beforeAll(async () => {
    pr = await openPr("rerun", { ".flotilla/workflows/ci.yml": workflow() });
    const test = await latestCompleted(pr, "test", 1);
    expect(test.run.conclusion).toBe("failure");
  }, 240_000);

  it("from someone with write permission re-runs what failed as attempt 2, with 👀 then 👍", async () => {
    await writeFile(join(marks, "pass"), "");
    const { id } = await comment(pr, "maintainer", "Looks flaky.\n/rerun\n");
    const again = await latestCompleted(pr, "test", 2);
    expect(again.run.conclusion).toBe("success");
    expect((again.run.output as { text?: string }).text ?? "").toContain("built 1.1 attempt 2");
    // Build passed the first time: it is not run again, and its check run stays the only one.
    expect(checksOf(pr, "build")).toHaveLength(1);
    await f.fake.waitFor(() => reactionsOn(id).includes("+1"), { timeoutMs: 10_000 });
    expect(reactionsOn(id)).toEqual(["eyes", "+1"]);
    expect(repliesOn(pr)).toHaveLength(0);
  });

  it("says there is nothing to re-run once everything passed", async () => {
    const { id } = await comment(pr, "maintainer", "/retest");
    const reply = await settledReply(pr, 1);
    expect(reply.comment.body).toContain("Nothing to re-run: no job of");
    expect(reactionsOn(id)).toEqual(["eyes"]);
  });

  it("re-runs a named job and its dependents, and names the jobs when the name is unknown", async () => {
    const { id } = await comment(pr, "maintainer", "/rerun build\n/rerun nosuch");
    const build = await latestCompleted(pr, "build", 2);
    expect(build.run.conclusion).toBe("success");
    const test = await latestCompleted(pr, "test", 3);
    expect((test.run.output as { text?: string }).text ?? "").toContain("built 1.3 attempt 3");
    const reply = await settledReply(pr, 2);
    expect(reply.comment.body).toContain("> /rerun nosuch");
    expect(reply.comment.body).toContain("Its jobs: `build`, `test`");
    expect(reactionsOn(id)).toEqual(["eyes"]);
  });

  it("refuses someone with read permission, naming who can", async () => {
    const before = f.fake.checkRuns.length;
    await comment(pr, "reader", "/rerun all");
    const reply = await settledReply(pr, 3);
    expect(reply.comment.body).toContain("Only users with write, maintain or admin permission");
    expect(reply.comment.body).toContain("@reader has read permission");
    expect(f.fake.checkRuns.length).toBe(before);
  });

  it("answers /help to anyone, with the table of commands", async () => {
    await comment(pr, "reader", "/help");
    const reply = await settledReply(pr, 4);
    expect(reply.comment.body).toContain("`/rerun` (alias `/retest`)");
    expect(reply.comment.body).toContain("/ok-to-test");
  });

  it.each([
    ["a quoted line", "> /rerun all"],
    ["a fenced block", "```\n/rerun all\n```"],
    ["indented code", "    /rerun all"],
    ["a mid-line mention", "please do /rerun all"],
    ["a path", "/tmp/rerun is full"],
  ])("does nothing for %s", async (_trap, body) => {
    const before = { checks: f.fake.checkRuns.length, replies: repliesOn(pr).length };
    const { id, answer } = await comment(pr, "maintainer", body);
    expect(answer.status).toBe(202);
    // Something that does steer, posted after it, is carried out: by then the trap was read.
    const { id: probe } = await comment(pr, "maintainer", "/help");
    await f.fake.waitFor(() => repliesOn(pr).length > before.replies, { timeoutMs: 120_000 });
    expect(reactionsOn(probe)).toContain("eyes");
    expect(reactionsOn(id)).toEqual([]);
    expect(f.fake.checkRuns.length).toBe(before.checks);
    expect(repliesOn(pr).length).toBe(before.replies + 1);
  });

  it("ignores a comment by a bot", async () => {
    const { answer } = await comment(pr, "someone[bot]", "/rerun all", "Bot");
    expect(answer.status).toBe(200);
  });
});

describe("the Re-run buttons", { timeout: 240_000 }, () => {
  let pr: Pr;

  beforeAll(async () => {
    pr = await openPr("buttons", { ".flotilla/workflows/ci.yml": workflow() });
    await latestCompleted(pr, "test", 1);
    await rowsSettled(pr);
  }, 240_000);

  it("Re-run on one check run re-runs that job; Re-run all checks re-runs every job", async () => {
    const [first] = checksOf(pr, "test");
    const answer = await f.deliver(
      "check_run",
      checkRunPayload(pr.repo, "rerequested", {
        checkRun: first!.run,
        sender: "maintainer",
        installationId: INSTALLATION_ID,
      }),
    );
    expect(answer.status).toBe(202);
    await latestCompleted(pr, "test", 2);
    expect(checksOf(pr, "build")).toHaveLength(1);
    await rowsSettled(pr);

    await f.deliver(
      "check_suite",
      checkSuitePayload(pr.repo, { headSha: pr.sha, sender: "maintainer", installationId: INSTALLATION_ID }),
    );
    await latestCompleted(pr, "build", 2);
    await latestCompleted(pr, "test", 3);
    await rowsSettled(pr);
  });

  it("does nothing for someone without write permission", async () => {
    const before = f.fake.checkRuns.length;
    const [first] = checksOf(pr, "test");
    await f.deliver(
      "check_run",
      checkRunPayload(pr.repo, "rerequested", {
        checkRun: first!.run,
        sender: "reader",
        installationId: INSTALLATION_ID,
      }),
    );
    // A Re-run all pressed after it by a maintainer shows it was read and refused.
    await f.deliver(
      "check_suite",
      checkSuitePayload(pr.repo, { headSha: pr.sha, sender: "maintainer", installationId: INSTALLATION_ID }),
    );
    await latestCompleted(pr, "test", 4);
    expect(f.fake.checkRuns.length).toBe(before + 2);
  });
});

describe("cancelling", { timeout: 240_000 }, () => {
  const sleeper = (pidFile: string) => `name: Slow
on: pull_request
jobs:
  slow:
    runs-on: self-hosted
    steps:
      - run: |
          echo $$ > ${pidFile}
          while true; do sleep 0.2; done
  after:
    needs: slow
    runs-on: self-hosted
    steps:
      - run: echo never
`;

  it("/cancel stops a running job and withdraws the queued one: its process is gone, its check run says who", async () => {
    const pidFile = join(marks, "pid-1");
    const pr = await openPr("cancel", { ".flotilla/workflows/slow.yml": sleeper(pidFile) });
    const running = await f.fake.waitFor(() => checksOf(pr, "slow").find((c) => c.run.status === "in_progress"), {
      timeoutMs: 180_000,
    });
    expect(running.actions).toEqual([{ label: "Cancel", description: "Cancel this job", identifier: "cancel" }]);
    // The step has started once its shell wrote its pid.
    await until(async () => existsSync(pidFile), 30_000, "the step to start");
    await comment(pr, "maintainer", "/cancel");
    const slow = await latestCompleted(pr, "slow", 1);
    expect(slow.run.conclusion).toBe("cancelled");
    expect((slow.run.output as { title: string }).title).toBe("Cancelled by @maintainer with /cancel");
    expect(slow.actions).toEqual([]);
    const after = await latestCompleted(pr, "after", 1);
    expect(after.run.conclusion).toBe("cancelled");
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    await until(async () => !alive(pid), 15_000, `the step's shell (pid ${pid}) to be gone`);
  });

  it("the Cancel button cancels that job, and the job that needs it is skipped", async () => {
    const pr = await openPr("cancel-button", { ".flotilla/workflows/slow.yml": sleeper(join(marks, "pid-2")) });
    const running = await f.fake.waitFor(() => checksOf(pr, "slow").find((c) => c.run.status === "in_progress"), {
      timeoutMs: 180_000,
    });
    await f.deliver(
      "check_run",
      checkRunPayload(pr.repo, "requested_action", {
        checkRun: running.run,
        sender: "maintainer",
        identifier: "cancel",
        installationId: INSTALLATION_ID,
      }),
    );
    const slow = await latestCompleted(pr, "slow", 1);
    expect(slow.run.conclusion).toBe("cancelled");
    expect((slow.run.output as { title: string }).title).toBe("Cancelled by @maintainer with the Cancel button");
    expect((await latestCompleted(pr, "after", 1)).run.conclusion).toBe("skipped");
  });
});
