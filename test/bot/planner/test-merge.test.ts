/**
 * Where a pull request runs: its test merge, asked of the real GitHub forge code against the
 * fake GitHub (`GET /pulls/{n}`) — ready, still being made, conflicting, moved on, gone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBotConfig } from "../../../bot/config.ts";
import type { Forge } from "../../../bot/forges/forge.ts";
import { createGitHubApp } from "../../../bot/forges/github/github-app.ts";
import { githubRunContext } from "../../../bot/forges/github/event-context.ts";
import { useTestMerge } from "../../../bot/planner/test-merge.ts";
import type { RunContext } from "../../../bot/runs/run-context.ts";
import { startFakeGitHub, type FakeGitHub, type FakeRepository } from "../../helpers/fake-github.ts";
import { testLogger } from "../../helpers/flotilla.ts";
import { cloneRepo, commitFiles, createRepo } from "../../helpers/git-repo.ts";
import { createAppCredentials } from "../../helpers/github-app.ts";
import { pullRequestPayload } from "../../helpers/webhooks.ts";

const INSTALLATION = 51;
const deps = { serverUrl: "https://github.example", log: testLogger() };
let tmp: string;
let fake: FakeGitHub;
let forge: Forge;
let base: FakeRepository;
let fork: FakeRepository;
let baseDir: string;
let forkDir: string;
let deliveries = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "flotilla-test-merge-"));
  baseDir = (await createRepo(join(tmp, "base"), { "README.md": "base\n" })).dir;
  forkDir = await cloneRepo(baseDir, join(tmp, "fork"));
  const app = createAppCredentials();
  fake = await startFakeGitHub({ app });
  base = await fake.addRepository({ owner: "acme", name: "base", dir: baseDir, installationId: INSTALLATION });
  fork = await fake.addRepository({ owner: "them", name: "base", dir: forkDir, private: true, installationId: 9 });
  const config = readBotConfig({
    APP_ID: String(app.appId),
    PRIVATE_KEY: app.privateKey,
    WEBHOOK_SECRET: app.webhookSecret,
    ...fake.env,
  });
  forge = await createGitHubApp(config, testLogger()).forge(INSTALLATION);
});

afterAll(async () => {
  await fake?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** The run context of a `pull_request` webhook for `number` at `headSha`, as the planner gets it. */
function pullRequestContext(number: number, headSha: string): RunContext {
  const payload = pullRequestPayload(base, {
    action: "opened",
    number,
    headSha,
    headRef: "feature",
    headRepo: fork,
    installationId: INSTALLATION,
  });
  const result = githubRunContext(`delivery-${++deliveries}`, "pull_request", payload);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

async function open(number: number, files: Record<string, string>, pendingReads = 0) {
  const headSha = await commitFiles(forkDir, files, `PR ${number}`);
  return fake.openPullRequest(base, {
    number,
    headSha,
    headRef: "feature",
    headRepo: fork,
    headDir: forkDir,
    pendingReads,
  });
}

const reads = (number: number) =>
  fake.requests.filter((r) => r.path === `/api/v3/repos/acme/base/pulls/${number}`).length;
const now = () => new Date().toISOString();

describe("the test merge of a pull request", () => {
  it("is what jobs run at, fetched from the base repository; check runs stay on the head", async () => {
    const pr = await open(1, { "one.txt": "1\n" });
    const context = pullRequestContext(1, pr.headSha);
    expect(context).toMatchObject({
      sha: pr.headSha,
      ref: "refs/pull/1/merge",
      checkout: { cloneUrl: base.clone_url, ref: "refs/pull/1/merge" },
      fork: true,
      pullRequest: { number: 1, headRef: "feature", baseRef: "main" },
    });
    expect(await useTestMerge(deps, forge, context, now())).toBe(true);
    expect(context.checkout.sha).toBe(pr.mergeCommitSha);
    expect(context.sha).toBe(pr.headSha);
    expect(reads(1)).toBe(1);
  });

  it("is asked for again while GitHub is still making it, and given up on after a minute", async () => {
    const pr = await open(2, { "two.txt": "2\n" }, 2);
    const context = pullRequestContext(2, pr.headSha);
    await expect(useTestMerge(deps, forge, context, now())).rejects.toThrow(/still merging pull request #2/);
    expect(context.checkout.sha).toBeUndefined();
    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect(await useTestMerge(deps, forge, context, anHourAgo)).toBe(false);
    const check = fake.checkRuns.find((r) => r.run.head_sha === pr.headSha);
    expect(check?.run).toMatchObject({
      name: "flotilla: test merge",
      status: "completed",
      conclusion: "neutral",
      output: { title: "Not run: the merge of this pull request into main is not ready" },
    });
    // Had it waited on, the third answer is the merge.
    expect(await useTestMerge(deps, forge, context, now())).toBe(true);
    expect(context.checkout.sha).toBe(pr.mergeCommitSha);
  });

  it("is not there for a head that conflicts: nothing runs, one check run on the head says why", async () => {
    await commitFiles(baseDir, { "README.md": "base, changed\n" }, "base README");
    const pr = await open(3, { "README.md": "fork, changed\n" });
    expect(pr.mergeable).toBe(false);
    const context = pullRequestContext(3, pr.headSha);
    expect(await useTestMerge(deps, forge, context, now())).toBe(false);
    // The same delivery planned again (a bot that died after the write) says it once.
    expect(await useTestMerge(deps, forge, context, now())).toBe(false);
    const checks = fake.checkRuns.filter((r) => r.run.head_sha === pr.headSha);
    expect(checks.map((r) => [r.run.name, r.run.conclusion, r.run.details_url])).toEqual([
      ["flotilla: test merge", "neutral", "https://github.example/acme/base/pull/3"],
    ]);
    expect(checks[0]?.run.output).toMatchObject({ title: "Not run: this pull request has conflicts with main" });
    // Undo the conflict for the tests below.
    await commitFiles(forkDir, { "README.md": "base, changed\n" }, "resolve");
  });

  it("of an older head is not run once the pull request has moved on, nor of one closed or gone", async () => {
    const first = await open(4, { "four.txt": "4\n" });
    await open(4, { "four.txt": "4 again\n" });
    const stale = pullRequestContext(4, first.headSha);
    expect(await useTestMerge(deps, forge, stale, now())).toBe(false);
    expect(stale.checkout.sha).toBeUndefined();
    expect(await useTestMerge(deps, forge, pullRequestContext(404, first.headSha), now())).toBe(false);
    expect(fake.checkRuns.filter((r) => r.run.head_sha === first.headSha)).toEqual([]);
  });

  it("is not asked for when the event is no pull request", async () => {
    const before = fake.requests.length;
    const push = { ...pullRequestContext(1, "a".repeat(40)) };
    delete push.pullRequest;
    expect(await useTestMerge(deps, forge, push, now())).toBe(true);
    expect(fake.requests.length).toBe(before);
  });

  it("counts a deleted fork as a fork", () => {
    const payload = pullRequestPayload(base, {
      action: "opened",
      number: 5,
      headSha: "b".repeat(40),
      headRef: "gone",
      headRepo: fork,
      installationId: INSTALLATION,
    });
    (payload.pull_request as { head: { repo: unknown } }).head.repo = null;
    const result = githubRunContext("d", "pull_request", payload);
    expect(result.ok && result.value.fork).toBe(true);
    expect(result.ok && result.value.checkout).toEqual({ cloneUrl: base.clone_url, ref: "refs/pull/5/merge" });
  });
});
