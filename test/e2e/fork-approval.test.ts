/**
 * Pull requests from forks whose authors cannot write to the base wait for a maintainer's
 * `/ok-to-test`, end to end: nothing is published and no runner fetches anything until then;
 * the approval runs exactly that head commit (without secrets), is stored with who gave it,
 * and a later push needs a new one. Authors with write permission, and those trusted by
 * `FORK_PR_TRUSTED`, run at once. Real bot, runner, NATS, Postgres and git.
 */
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvals, jobs, runs } from "../../db/schema.ts";
import { generateSecretsKey } from "../../bot/secrets/crypto.ts";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import type { FakeRepository } from "../helpers/fake-github/types.ts";
import { INSTALLATION_ID, startFlotilla, type Flotilla } from "../helpers/flotilla.ts";
import { cloneRepo, commitFiles } from "../helpers/git-repo.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { issueCommentPayload, pullRequestPayload } from "../helpers/webhooks.ts";

let f: Flotilla;
const scratch = scratchDir("flotilla-e2e-approval-");

beforeAll(async () => {
  f = await startFlotilla({
    env: { FORK_PR_TRUSTED: "friend, friendly-org/*", FLOTILLA_SECRETS_KEY: generateSecretsKey() },
  });
  await f.startRunner({ name: "one" });
});

afterAll(async () => {
  await f?.close();
});

const WORKFLOW = `on: pull_request
jobs:
  check:
    runs-on: self-hosted
    steps:
      - run: echo "sha=\${{ github.sha }} token=[\${{ secrets.TOKEN }}] fork=[$(cat fork.txt)]"
`;

interface ForkPr {
  base: FakeRepository;
  forkDir: string;
  fork: FakeRepository;
  number: number;
  head: string;
  merge: string;
}

let numbers = 0;

/** A fork of a new base repository by `owner`, and a pull request from it, delivered. */
async function forkPr(name: string, owner: string): Promise<ForkPr> {
  const base = await f.repository("acme", name, { ".flotilla/workflows/ci.yml": WORKFLOW });
  f.fake.setPermission(base.repo, "maintainer", "write");
  const forkDir = await cloneRepo(base.dir, join(scratch(), `${owner}-${name}`));
  const head = await commitFiles(forkDir, { "fork.txt": `from ${owner}\n` }, "Fork change");
  const fork = await f.fake.addRepository({ owner, name, dir: forkDir, private: true, installationId: 99 });
  const number = ++numbers;
  const pr = { base: base.repo, forkDir, fork, number, head, merge: "" };
  await push(pr, head, "opened");
  return pr;
}

/** Moves the PR to `head` on the fake and delivers the event. */
async function push(pr: ForkPr, head: string, action: "opened" | "synchronize", before?: string) {
  const opened = await f.fake.openPullRequest(pr.base, {
    number: pr.number,
    headSha: head,
    headRef: "feature",
    headRepo: pr.fork,
    headDir: pr.forkDir,
  });
  pr.head = head;
  pr.merge = opened.mergeCommitSha!;
  const payload = pullRequestPayload(pr.base, {
    action,
    number: pr.number,
    headSha: head,
    headRef: "feature",
    headRepo: pr.fork,
    installationId: INSTALLATION_ID,
    ...(before ? { before } : {}),
  });
  expect((await f.deliver("pull_request", payload)).status).toBe(202);
}

async function commentAs(pr: ForkPr, login: string, body: string) {
  const record = f.fake.addComment(pr.base, pr.number, { login, body });
  await f.deliver(
    "issue_comment",
    issueCommentPayload(pr.base, { number: pr.number, comment: record.comment, installationId: INSTALLATION_ID }),
  );
  return record.comment.id;
}

const checksOn = (pr: ForkPr, sha: string) =>
  f.fake.checkRuns.filter((c) => c.repo === pr.base.full_name && c.run.head_sha === sha && c.run.name === "check");

function nth(pr: ForkPr, sha: string, n: number, status = "completed"): Promise<CheckRunRecord> {
  return f.fake.waitFor(
    () => {
      const found = checksOn(pr, sha)[n - 1];
      return found?.run.status === status && found;
    },
    { timeoutMs: 180_000 },
  );
}

async function rowsOf(pr: ForkPr, sha: string) {
  return f.bot.db.db
    .select({ job: jobs })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(and(eq(runs.repository, pr.base.full_name), eq(runs.sha, sha)));
}

const text = (c: CheckRunRecord) => {
  const output = c.run.output as { title?: string; summary?: string; text?: string };
  return `${output.title}\n${output.summary}\n${output.text ?? ""}`;
};

describe("a fork's pull request by someone who cannot write", { timeout: 240_000 }, () => {
  let pr: ForkPr;

  it("runs nothing: its check run asks for /ok-to-test, no job is published, no runner fetches", async () => {
    const api = (path: string, value: string) =>
      fetch(`${f.publicUrl}/api/v1/secrets/${path}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${f.apiToken}`, "content-type": "application/json" },
        body: JSON.stringify({ value }),
      });
    const clonesBefore = f.fake.clones.length;
    pr = await forkPr("approve", "stranger");
    expect((await api(`acme/approve/TOKEN`, "s3cret")).status).toBe(201);
    const held = await nth(pr, pr.head, 1);
    expect(held.run.conclusion).toBe("action_required");
    expect(text(held)).toContain("waiting for a maintainer to comment `/ok-to-test`");
    expect(text(held)).toContain(pr.head.slice(0, 7));
    const rows = await rowsOf(pr, pr.head);
    expect(rows.map((r) => [r.job.conclusion, r.job.publishedAt, r.job.streamSeq])).toEqual([
      ["action_required", null, null],
    ]);
    // The commit status is posted beside the check run, not before it: wait for it too.
    const status = await f.fake.waitFor(() => f.fake.statuses.filter((s) => s.sha === pr.head).at(-1), {
      timeoutMs: 180_000,
    });
    expect(status.status).toMatchObject({ state: "pending", description: "Waiting for a maintainer's /ok-to-test" });
    expect(f.fake.clones.slice(clonesBefore)).toEqual([]);
  });

  it("is not approved by its own author", async () => {
    await commentAs(pr, "stranger", "/ok-to-test");
    const reply = await f.fake.waitFor(
      () => f.fake.comments.find((c) => c.issueNumber === pr.number && c.comment.user.type === "Bot"),
      { timeoutMs: 120_000 },
    );
    expect(reply.comment.body).toContain("@stranger has no permission");
    expect(checksOn(pr, pr.head)).toHaveLength(1);
  });

  it("runs that head commit once a maintainer comments /ok-to-test, without secrets, and records who approved", async () => {
    const id = await commentAs(pr, "maintainer", "/ok-to-test");
    const ran = await nth(pr, pr.head, 2);
    expect(ran.run.conclusion).toBe("success");
    expect(text(ran)).toContain(`sha=${pr.merge} token=[] fork=[from stranger]`);
    await f.fake.waitFor(() => f.fake.reactions.some((r) => r.commentId === id && r.content === "+1"));
    const [approval] = await f.bot.db.db.select().from(approvals).where(eq(approvals.sha, pr.head));
    expect(approval).toMatchObject({ repository: "acme/approve", pullNumber: pr.number, approvedBy: "maintainer" });
    // The run page shows the approval and both attempts: the one held, the one approved.
    const status = f.fake.statuses.find((st) => st.sha === pr.head);
    const page = await (await fetch(String(status?.status.target_url))).text();
    expect(page).toContain("Approved by @maintainer with <code>/ok-to-test</code>");
    expect(page).toContain('<strong aria-current="page">#2</strong>');
    expect(page).toMatch(/attempt=1">#1<\/a>/);
  });

  it("needs a new approval for a new push, and says so", async () => {
    const before = pr.head;
    const next = await commitFiles(pr.forkDir, { "fork.txt": "pushed again\n" }, "More");
    await push(pr, next, "synchronize", before);
    const held = await nth(pr, next, 1);
    expect(held.run.conclusion).toBe("action_required");
    expect(text(held)).toContain(`New commits need a new approval: ${next.slice(0, 7)} has not been approved.`);
    expect((await rowsOf(pr, next)).every((r) => r.job.publishedAt === null)).toBe(true);
  });
});

describe("a fork's pull request with no workflow to read", { timeout: 240_000 }, () => {
  it("gets one flotilla check run asking for approval", async () => {
    const base = await f.repository("acme", "bare", { "README.md": "no workflows here\n" });
    const forkDir = await cloneRepo(base.dir, join(scratch(), "stranger-bare"));
    const head = await commitFiles(forkDir, { "fork.txt": "x\n" }, "Fork change");
    const fork = await f.fake.addRepository({ owner: "stranger", name: "bare", dir: forkDir, installationId: 99 });
    await push({ base: base.repo, forkDir, fork, number: ++numbers, head, merge: "" }, head, "opened");
    const check = await f.fake.waitForCheckRun("flotilla", (c) => c.run.head_sha === head, { timeoutMs: 120_000 });
    expect(check.run).toMatchObject({ status: "completed", conclusion: "action_required" });
    expect(text(check)).toContain("waiting for a maintainer to comment `/ok-to-test`");
  });
});

describe("authors who may run at once", { timeout: 240_000 }, () => {
  it.each([
    ["with write permission on the base", "collaborator"],
    ["trusted by login in FORK_PR_TRUSTED", "friend"],
    ["whose fork's owner is trusted as owner/* in FORK_PR_TRUSTED", "friendly-org"],
  ])("a fork's pull request by an author %s runs without approval", async (_how, owner) => {
    const name = `trusted-${owner}`;
    if (owner === "collaborator") {
      // Given before the PR is opened: its planning reads the author's permission.
      const base = await f.repository("acme", name, { ".flotilla/workflows/ci.yml": WORKFLOW });
      f.fake.setPermission(base.repo, owner, "write");
      const forkDir = await cloneRepo(base.dir, join(scratch(), `${owner}-${name}`));
      const head = await commitFiles(forkDir, { "fork.txt": `from ${owner}\n` }, "Fork change");
      const fork = await f.fake.addRepository({ owner, name, dir: forkDir, private: true, installationId: 99 });
      const pr = { base: base.repo, forkDir, fork, number: ++numbers, head, merge: "" };
      await push(pr, head, "opened");
      expect((await nth(pr, head, 1)).run.conclusion).toBe("success");
      return;
    }
    const pr = await forkPr(name, owner);
    const ran = await nth(pr, pr.head, 1);
    expect(ran.run.conclusion).toBe("success");
    expect(text(ran)).toContain(`fork=[from ${owner}]`);
  });
});
