/**
 * The failure summary end to end, with a real bot, runner, NATS, Postgres and git: a pull
 * request whose job fails gets one comment listing it with its log link and the `/rerun` line;
 * a maintainer comments that line, the job passes on attempt 2, and the same comment is edited
 * to say so (one bot comment on the pull request, posted then edited). With
 * `FAILURE_COMMENT=false` no comment is posted.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUMMARY_MARKER } from "../../bot/reporter/failure-summary.ts";
import { startFlotilla, type Flotilla } from "../helpers/flotilla.ts";
import { reportsApplied } from "../helpers/reports-applied.ts";
import { commentOn, type OpenedPr, openBranchPr } from "../helpers/pull-requests.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-summary-");

/** `test` fails until the file `pass` exists in `marks`. */
function workflow(marks: string): string {
  return `name: CI
on: pull_request
jobs:
  build:
    runs-on: self-hosted
    steps:
      - run: echo built
  test:
    needs: build
    runs-on: self-hosted
    steps:
      - run: test -f ${join(marks, "pass")}
`;
}

const botComments = (f: Flotilla, pr: OpenedPr) =>
  f.fake.comments.filter(
    (c) => c.repo === pr.repo.full_name && c.issueNumber === pr.number && c.comment.user.type === "Bot",
  );

describe("the failure summary", { timeout: 240_000 }, () => {
  let f: Flotilla;
  let marks: string;

  beforeAll(async () => {
    f = await startFlotilla();
    await f.startRunner({ name: "one" });
    marks = scratch();
  }, 240_000);

  afterAll(async () => {
    await f?.close();
  });

  it("lists the failed job with its log and command, and is edited when /rerun makes it pass", async () => {
    const pr = await openBranchPr(f, "summary", { ".flotilla/workflows/ci.yml": workflow(marks) }, 7);
    const short = pr.sha.slice(0, 7);
    const posted = await f.fake.waitFor(() => botComments(f, pr).find((c) => c.comment.body.includes(SUMMARY_MARKER)), {
      timeoutMs: 90_000,
    });
    const body = posted.comment.body;
    expect(body).toContain(`**1 job failed** at ${short}:`);
    const row = body.split("\n").find((line) => line.startsWith("| `test` |"));
    expect(row, body).toBeDefined();
    const log = new RegExp(`\\[log\\]\\((${f.publicUrl}/jobs/[0-9a-f-]{36}\\?token=[^)]+)\\)`).exec(row!)?.[1];
    expect(log, row).toBeDefined();
    const page = await fetch(log!);
    expect(page.status).toBe(200);
    expect(row).toContain("| `/rerun test` |");

    await writeFile(join(marks, "pass"), "");
    await commentOn(f, pr, "maintainer", "/rerun test");
    const edited = await f.fake.waitFor(() => posted.history.length >= 2 && posted, { timeoutMs: 90_000 });
    expect(edited.comment.body).toBe(`${SUMMARY_MARKER}\n**All jobs of ${short} passed** (on attempt 2).`);
    const tests = f.fake.checkRuns.filter((c) => c.run.head_sha === pr.sha && c.run.name === "test");
    expect(tests.map((c) => c.run.conclusion)).toEqual(["failure", "success"]);

    await reportsApplied(f);
    const comments = botComments(f, pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.comment.id).toBe(posted.comment.id);
    expect(comments[0]!.history.map((h) => h.method)).toEqual(["POST", "PATCH"]);
  });
});

describe("FAILURE_COMMENT=false", { timeout: 240_000 }, () => {
  let f: Flotilla;

  beforeAll(async () => {
    f = await startFlotilla({ env: { FAILURE_COMMENT: "false" } });
    await f.startRunner({ name: "one" });
  }, 240_000);

  afterAll(async () => {
    await f?.close();
  });

  it("posts no summary for a failed job", async () => {
    // Its marks folder is one of its own: no `pass` file, so `test` fails.
    const marks = join(scratch(), "off");
    await mkdir(marks);
    const pr = await openBranchPr(f, "summary-off", { ".flotilla/workflows/ci.yml": workflow(marks) }, 7);
    const [, test] = await f.finished(pr.sha, ["build", "test"], 90_000);
    expect(test.run.conclusion).toBe("failure");
    // Every report handled, the completion that would have written the summary included.
    await reportsApplied(f);
    expect(botComments(f, pr)).toHaveLength(0);
  });
});
