/**
 * The GitHub forge's steering calls against the fake GitHub, through the real GitHub App code:
 * permissions read from the collaborator endpoint (cached a minute), reactions, comments and
 * their edits, the app's own comment found again by its marker, and check run buttons.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBotConfig } from "../../../../bot/config.ts";
import type { Forge } from "../../../../bot/forges/forge.ts";
import { createGitHubApp } from "../../../../bot/forges/github/github-app.ts";
import { permissionOf } from "../../../../bot/forges/github/permission.ts";
import { repoRef } from "../../../../bot/runs/repo-ref.ts";
import { startFakeGitHub, type FakeGitHub } from "../../../helpers/fake-github.ts";
import { testLogger } from "../../../helpers/flotilla.ts";
import { createRepo } from "../../../helpers/git-repo.ts";
import { createAppCredentials } from "../../../helpers/github-app.ts";

const INSTALLATION = 78;
const repo = repoRef("acme/steering");
const MARKER = "<!-- flotilla:failure-summary -->";
let fake: FakeGitHub;
let forge: Forge;
let scratch: string;
let sha: string;

beforeAll(async () => {
  const app = createAppCredentials();
  scratch = await mkdtemp(join(tmpdir(), "flotilla-github-forge-"));
  const created = await createRepo(join(scratch, "steering"), { "README.md": "x\n" });
  sha = created.sha;
  fake = await startFakeGitHub({ app: { ...app, slug: "flotilla-test" } });
  await fake.addRepository({ owner: repo.owner, name: repo.name, dir: created.dir, installationId: INSTALLATION });
  const config = readBotConfig({
    APP_ID: String(app.appId),
    PRIVATE_KEY: app.privateKey,
    WEBHOOK_SECRET: app.webhookSecret,
    GITHUB_WRITE_MIN_INTERVAL_MS: "0",
    ...fake.env,
  });
  forge = await createGitHubApp(config, testLogger()).forge(INSTALLATION);
});

afterAll(async () => {
  await fake?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("permission", () => {
  it("is the user's role, maintain and triage included, and none for a login GitHub does not know", async () => {
    const roles = ["admin", "maintain", "write", "triage", "read"] as const;
    for (const role of roles) fake.setPermission(repo.fullName, `user-${role}`, role);
    const answers = await Promise.all(roles.map((role) => forge.permission(repo, `user-${role}`)));
    expect(answers).toEqual(roles);
    expect(await forge.permission(repo, "nobody-at-all")).toBe("none");
  });

  it("is read once a minute per user and repository (case does not matter)", async () => {
    fake.setPermission(repo.fullName, "Cached", "write");
    const reads = () => fake.permissionReads.filter((r) => r.login.toLowerCase() === "cached").length;
    expect(await forge.permission(repo, "Cached")).toBe("write");
    fake.setPermission(repo.fullName, "Cached", "read");
    expect(await forge.permission(repo, "cached")).toBe("write");
    expect(reads()).toBe(1);
  });

  it("of a custom role is its base role", () => {
    expect(permissionOf("security-manager", "write")).toBe("write");
    expect(permissionOf(undefined, "admin")).toBe("admin");
    expect(permissionOf("maintain", "write")).toBe("maintain");
    expect(permissionOf("odd", "odder")).toBe("none");
  });
});

describe("comments", () => {
  it("reacts to a person's comment", async () => {
    const { comment } = fake.addComment(repo.fullName, 3, { login: "octocat", body: "/rerun" });
    await forge.react(repo, 3, comment.id, "eyes");
    await forge.react(repo, 3, comment.id, "+1");
    expect(fake.reactions.filter((r) => r.commentId === comment.id).map((r) => [r.content, r.by])).toEqual([
      ["eyes", "flotilla-test[bot]"],
      ["+1", "flotilla-test[bot]"],
    ]);
  });

  it("posts a comment and edits it", async () => {
    const { id } = await forge.comment(repo, 4, "Unknown command `/retset`.");
    await forge.editComment(repo, 4, id, "edited");
    const record = fake.comments.find((c) => c.comment.id === id);
    expect(record).toMatchObject({
      issueNumber: 4,
      comment: { body: "edited", user: { login: "flotilla-test[bot]" } },
    });
    expect(record?.history.map((h) => h.body)).toEqual(["Unknown command `/retset`.", "edited"]);
  });

  it("finds its own comment by the marker past the first page, never a person's or another bot's", async () => {
    expect(await forge.findComment(repo, 5, MARKER)).toBeUndefined();
    fake.addComment(repo.fullName, 5, { login: "octocat", body: `quoting ${MARKER}` });
    fake.addComment(repo.fullName, 5, { login: "flotilla-impostor[bot]", type: "Bot", body: MARKER });
    for (let i = 0; i < 120; i++) fake.addComment(repo.fullName, 5, { login: "chatty", body: `comment ${i}` });
    // The app's other comments, made here without the 3 s Octokit puts between comment creates.
    const own = { login: "flotilla-test[bot]", type: "Bot" } as const;
    fake.addComment(repo.fullName, 5, { ...own, body: "no marker here" });
    fake.addComment(repo.fullName, 6, { ...own, body: `${MARKER}\nanother pull request` });
    const { id } = await forge.comment(repo, 5, `${MARKER}\nFailed: build`);

    expect(await forge.findComment(repo, 5, MARKER)).toEqual({ id, body: `${MARKER}\nFailed: build` });
    expect(await forge.findComment(repo, 5, "<!-- another marker -->")).toBeUndefined();
    // The app's slug is asked for once per process.
    expect(fake.requests.filter((r) => r.method === "GET" && r.path === "/api/v3/app")).toHaveLength(1);
  });
});

describe("check run buttons", () => {
  it("are sent with an update, and [] takes them away", async () => {
    const { id } = await forge.createCheck(repo, {
      name: "build",
      headSha: sha,
      detailsUrl: "http://127.0.0.1/jobs/1",
      externalId: "job-1",
      status: "queued",
    });
    const cancel = { label: "Cancel", description: "Cancel this job", identifier: "cancel" };
    await forge.updateCheck(
      repo,
      { id, name: "build", headSha: sha, externalId: "job-1" },
      { status: "in_progress", actions: [cancel] },
    );
    const record = fake.checkRuns.find((r) => r.id === id);
    expect(record?.actions).toEqual([cancel]);
    await forge.updateCheck(
      repo,
      { id, name: "build", headSha: sha, externalId: "job-1" },
      { output: { title: "Running", summary: "step 2" } },
    );
    expect(record?.actions).toEqual([cancel]);
    await forge.updateCheck(
      repo,
      { id, name: "build", headSha: sha, externalId: "job-1" },
      { status: "completed", conclusion: "success", actions: [] },
    );
    expect(record?.actions).toEqual([]);
    expect(fake.invalidRequests).toEqual([]);
  });
});
