/**
 * What a GitHub write survives before the forge gives up (bot/forges/github/octokit.ts):
 * secondary rate limits are waited out on the request itself, server errors are sent again,
 * a check run create whose answer was lost is looked up rather than sent twice, and a small
 * primary budget is kept to: nothing sent past it, conclusions never dropped, `in_progress`
 * updates dropped while it is short. Real
 * Probot Octokit, the real GitHub App code, the fake GitHub injecting the faults.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BotConfig, readBotConfig } from "../../../../bot/config.ts";
import type { Forge, NewCheck } from "../../../../bot/forges/forge.ts";
import { repoRef } from "../../../../bot/runs/repo-ref.ts";
import { createGitHubApp } from "../../../../bot/forges/github/github-app.ts";
import { firstFaults, startFakeGitHub, type FakeGitHub, type WriteRequest } from "../../../helpers/fake-github.ts";
import { testLogger } from "../../../helpers/flotilla.ts";
import { createRepo } from "../../../helpers/git-repo.ts";
import { appSettings, createAppCredentials } from "../../../helpers/github-app.ts";

const INSTALLATION = 77;
const repo = repoRef("acme/writes");
let fake: FakeGitHub;
let forge: Forge;
let config: BotConfig;
let scratch: string;
let sha: string;

beforeAll(async () => {
  const app = createAppCredentials();
  scratch = await mkdtemp(join(tmpdir(), "flotilla-write-retries-"));
  const created = await createRepo(join(scratch, "writes"), { "README.md": "x\n" });
  sha = created.sha;
  fake = await startFakeGitHub({ app });
  await fake.addRepository({ owner: repo.owner, name: repo.name, dir: created.dir, installationId: INSTALLATION });
  config = readBotConfig(appSettings(app, fake));
  forge = await createGitHubApp(config, testLogger()).forge(INSTALLATION);
});

afterEach(() => {
  fake.faults = undefined;
  fake.rateLimit = undefined;
});

afterAll(async () => {
  await fake?.close();
  await rm(scratch, { recursive: true, force: true });
});

const statusWrite = (r: WriteRequest) => r.template === "/repos/{owner}/{repo}/statuses/{sha}";
const checkCreate = (r: WriteRequest) => r.method === "POST" && r.template === "/repos/{owner}/{repo}/check-runs";
const sent = (path: string) => fake.requests.filter((r) => r.method === "POST" && r.path.startsWith(path)).length;

function status(context: string) {
  return { state: "pending", context, description: "Queued", targetUrl: "http://127.0.0.1/runs/1" } as const;
}

function check(name: string, externalId: string): NewCheck {
  return { name, headSha: sha, detailsUrl: "http://127.0.0.1/jobs/1", externalId, status: "queued" };
}

describe("secondary rate limits", () => {
  it("waits retry-after, sends the write again and it lands", async () => {
    fake.faults = firstFaults(1, { secondaryRateLimit: 1 }, statusWrite);
    const before = sent(`/api/v3/repos/${repo.fullName}/statuses/`);
    const started = Date.now();
    await forge.setCommitStatus(repo, sha, status("limited"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.injectedFaults).toHaveLength(1);
    expect(sent(`/api/v3/repos/${repo.fullName}/statuses/`) - before).toBe(2);
    expect(fake.statuses.filter((s) => s.status.context === "limited")).toHaveLength(1);
  });

  it("does the same for a check run create, which makes one check run", async () => {
    fake.faults = firstFaults(1, { secondaryRateLimit: 1 }, checkCreate);
    const { id } = await forge.createCheck(repo, check("limited create", "job-limited"));
    expect(fake.checkRuns.filter((r) => r.run.name === "limited create").map((r) => r.id)).toEqual([id]);
  });

  it("gives up after three waits: the caller sees the 403", async () => {
    fake.faults = firstFaults(10, { secondaryRateLimit: 1 }, statusWrite);
    await expect(forge.setCommitStatus(repo, sha, status("always limited"))).rejects.toMatchObject({ status: 403 });
    expect(fake.injectedFaults.filter((f) => f.path.includes("/statuses/")).length).toBeGreaterThanOrEqual(1 + 3);
    expect(fake.statuses.filter((s) => s.status.context === "always limited")).toHaveLength(0);
  });
});

describe("server errors", () => {
  it("sends a write answered 502 again and it lands", async () => {
    fake.faults = firstFaults(2, { status: 502 }, statusWrite);
    await forge.setCommitStatus(repo, sha, status("bad gateway"));
    expect(fake.statuses.filter((s) => s.status.context === "bad gateway")).toHaveLength(1);
  });

  it("looks up a check run whose create landed but was answered 502, instead of making a second", async () => {
    fake.faults = firstFaults(1, { status: 502, afterWrite: true }, checkCreate);
    const { id } = await forge.createCheck(repo, check("lost answer", "job-lost"));
    expect(fake.injectedFaults.some((f) => "afterWrite" in f.fault)).toBe(true);
    expect(fake.checkRuns.filter((r) => r.run.name === "lost answer").map((r) => r.id)).toEqual([id]);
  });

  it("sends a check run create refused with 502 again once the lookup finds nothing", async () => {
    fake.faults = firstFaults(1, { status: 502 }, checkCreate);
    const { id } = await forge.createCheck(repo, check("refused once", "job-refused"));
    expect(fake.checkRuns.filter((r) => r.run.name === "refused once").map((r) => r.id)).toEqual([id]);
  });

  it("fails a write GitHub keeps refusing, after three retries, so the caller's message is redelivered", {
    timeout: 30_000,
  }, async () => {
    fake.faults = firstFaults(10, { status: 502 }, statusWrite);
    const before = sent(`/api/v3/repos/${repo.fullName}/statuses/`);
    await expect(forge.setCommitStatus(repo, sha, status("down"))).rejects.toMatchObject({ status: 502 });
    expect(sent(`/api/v3/repos/${repo.fullName}/statuses/`) - before).toBe(4);
  });
});

describe("findCheck", () => {
  it("finds a check run by name and external id, among every run of that name on the commit", async () => {
    const first = await forge.createCheck(repo, check("twice named", "job-a"));
    await forge.createCheck(repo, check("twice named", "job-b"));
    expect(await forge.findCheck(repo, check("twice named", "job-a"))).toEqual(first);
    expect(await forge.findCheck(repo, check("twice named", "job-c"))).toBeUndefined();
  });
});

describe("a small primary budget", () => {
  /** A bot of its own (its budgets start unknown), on the fake's budget of `limit` a window. */
  async function limitedForge(limit: number, windowMs: number) {
    fake.rateLimit = { limit, windowMs };
    return createGitHubApp(config, testLogger()).forge(INSTALLATION);
  }
  const refusedBefore = () => fake.rateLimited.length;

  it("sends 30 writes at once against 10 a window: all land, none past the budget", { timeout: 30_000 }, async () => {
    const limited = await limitedForge(10, 1000);
    const before = refusedBefore();
    await Promise.all(Array.from({ length: 30 }, (_, i) => limited.setCommitStatus(repo, sha, status(`burst ${i}`))));
    expect(fake.statuses.filter((s) => s.status.context.startsWith("burst "))).toHaveLength(30);
    expect(fake.rateLimited.length - before).toBe(0);
  });

  it("drops an in_progress update while the budget is short, and waits with the conclusion", {
    timeout: 30_000,
  }, async () => {
    const limited = await limitedForge(8, 2000);
    const { id } = await limited.createCheck(repo, check("short budget", "job-short"));
    // Spend the window down to its last requests.
    for (let i = 0; i < 5; i++) await limited.setCommitStatus(repo, sha, status(`spend ${i}`));
    const ref = { ...check("short budget", "job-short"), id };
    await limited.updateCheck(repo, ref, { status: "in_progress", startedAt: new Date().toISOString() });
    await limited.updateCheck(repo, ref, { status: "completed", conclusion: "success" });
    const record = fake.checkRuns.find((r) => r.id === id);
    expect(record?.history.map((h) => h.body.status ?? h.body.conclusion)).toEqual(["queued", "completed"]);
    expect(record?.run.conclusion).toBe("success");
    expect(fake.rateLimited).toHaveLength(0);
  });

  it("waits for the reset when another bot spent the budget, then the write lands", { timeout: 30_000 }, async () => {
    const limited = await limitedForge(6, 8000);
    await limited.setCommitStatus(repo, sha, status("first of this bot"));
    // Another replica of the bot, on the same installation, spends what is left.
    const other = await createGitHubApp(config, testLogger()).forge(INSTALLATION);
    // Final statuses: the other bot may spend its budget to the last request on them.
    for (let i = 0; i < 5; i++) await other.setCommitStatus(repo, sha, { ...status(`other ${i}`), state: "success" });
    const refused = refusedBefore();
    await limited.setCommitStatus(repo, sha, status("after the reset"));
    expect(fake.statuses.filter((s) => s.status.context === "after the reset")).toHaveLength(1);
    // This bot could not know: GitHub refused it once, and it waited for x-ratelimit-reset.
    expect(fake.rateLimited.length - refused).toBe(1);
  });
});
