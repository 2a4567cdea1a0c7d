/**
 * The fake GitHub's endpoints for steering CI from a pull request: collaborator permissions,
 * comments (create, list, edit), reactions on them, and check run buttons — each answered in
 * GitHub's documented shape and recorded for tests to assert.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub, validateResponseBody, type FakeGitHub, type FakeRepository } from "./fake-github.ts";
import { createRepo } from "./git-repo.ts";
import { createAppCredentials } from "./github-app.ts";

const INSTALLATION = 42;
const PERMISSION = "/repos/{owner}/{repo}/collaborators/{username}/permission";
const COMMENTS = "/repos/{owner}/{repo}/issues/{issue_number}/comments";
const COMMENT = "/repos/{owner}/{repo}/issues/comments/{comment_id}";
const REACTIONS = "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions";

describe("fake GitHub: steering endpoints", () => {
  const app = createAppCredentials();
  const owner = "acme";
  const name = "steer";
  let tmp: string;
  let fake: FakeGitHub;
  let octokit: ProbotOctokit;
  let repo: FakeRepository;
  let sha: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "flotilla-fake-steer-"));
    const created = await createRepo(join(tmp, name), { "README.md": "hi\n" });
    sha = created.sha;
    fake = await startFakeGitHub({ app });
    repo = await fake.addRepository({ owner, name, dir: created.dir, installationId: INSTALLATION });
    const probot = new Probot({
      appId: app.appId,
      privateKey: app.privateKey,
      baseUrl: fake.apiUrl,
      logLevel: "fatal",
      // Octokit's stock write limiter (one a second) would only slow these down; nothing here is retried.
      Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        throttle: { enabled: false },
      })),
    });
    octokit = await probot.auth(INSTALLATION);
  });

  afterAll(async () => {
    await fake?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it("answers a collaborator's role and legacy permission, 404 for anyone not set, and records each read", async () => {
    fake.setPermission(repo, "Maintainer", "maintain");
    fake.setPermission("acme/steer", "triager", "triage");
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner,
      repo: name,
      username: "maintainer",
    });
    expect(data).toMatchObject({ role_name: "maintain", permission: "write", user: { login: "Maintainer" } });
    expect(data.user?.permissions).toEqual({ pull: true, triage: true, push: true, maintain: true, admin: false });
    expect(validateResponseBody("GET", PERMISSION, 200, data).message).toBe("");
    const triage = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo: name, username: "triager" });
    expect([triage.data.role_name, triage.data.permission]).toEqual(["triage", "read"]);

    await expect(
      octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo: name, username: "stranger" }),
    ).rejects.toMatchObject({ status: 404 });
    fake.setPermission(repo, "triager", undefined);
    await expect(
      octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo: name, username: "triager" }),
    ).rejects.toMatchObject({ status: 404 });
    expect(fake.permissionReads).toEqual([
      { repo: "acme/steer", login: "maintainer", status: 200, permission: "maintain" },
      { repo: "acme/steer", login: "triager", status: 200, permission: "triage" },
      { repo: "acme/steer", login: "stranger", status: 404 },
      { repo: "acme/steer", login: "triager", status: 404 },
    ]);
  });

  it("creates, lists (paginated, oldest first) and edits comments, keeping each body", async () => {
    const theirs = fake.addComment(repo, 7, { login: "octocat", body: "/rerun" });
    expect(theirs.comment.user).toMatchObject({ login: "octocat", type: "User" });
    const mine = await octokit.rest.issues.createComment({ owner, repo: name, issue_number: 7, body: "first" });
    expect(mine.status).toBe(201);
    expect(mine.data.user).toMatchObject({ login: "flotilla-ci[bot]", type: "Bot" });
    expect(validateResponseBody("POST", COMMENTS, 201, mine.data).message).toBe("");
    for (let i = 0; i < 3; i++) fake.addComment(repo, 7, { login: "chatty", body: `comment ${i}` });
    await octokit.rest.issues.createComment({ owner, repo: name, issue_number: 8, body: "elsewhere" });

    const page = await octokit.rest.issues.listComments({ owner, repo: name, issue_number: 7, per_page: 2 });
    expect(page.data.map((c) => c.body)).toEqual(["/rerun", "first"]);
    expect(page.headers.link).toContain('rel="next"');
    expect(validateResponseBody("GET", COMMENTS, 200, page.data).message).toBe("");
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo: name,
      issue_number: 7,
      per_page: 2,
    });
    expect(all.map((c) => c.body)).toEqual(["/rerun", "first", "comment 0", "comment 1", "comment 2"]);

    const edited = await octokit.rest.issues.updateComment({
      owner,
      repo: name,
      comment_id: mine.data.id,
      body: "second",
    });
    expect(edited.data.body).toBe("second");
    expect(validateResponseBody("PATCH", COMMENT, 200, edited.data).message).toBe("");
    const record = fake.comments.find((c) => c.comment.id === mine.data.id);
    expect(record).toMatchObject({ repo: "acme/steer", issueNumber: 7, comment: { body: "second" } });
    expect(record?.history.map((h) => [h.method, h.body, h.by])).toEqual([
      ["POST", "first", "flotilla-ci[bot]"],
      ["PATCH", "second", "flotilla-ci[bot]"],
    ]);
    await expect(
      octokit.rest.issues.updateComment({ owner, repo: name, comment_id: 1, body: "x" }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("adds reactions to a comment, once per user and content, and 404 to a comment that is not there", async () => {
    const { comment } = fake.addComment(repo, 9, { login: "octocat", body: "/cancel" });
    const eyes = await octokit.rest.reactions.createForIssueComment({
      owner,
      repo: name,
      comment_id: comment.id,
      content: "eyes",
    });
    expect(eyes.status).toBe(201);
    expect(validateResponseBody("POST", REACTIONS, 201, eyes.data).message).toBe("");
    const again = await octokit.rest.reactions.createForIssueComment({
      owner,
      repo: name,
      comment_id: comment.id,
      content: "eyes",
    });
    expect([again.status, again.data.id]).toEqual([200, eyes.data.id]);
    await octokit.rest.reactions.createForIssueComment({ owner, repo: name, comment_id: comment.id, content: "+1" });
    expect(fake.reactions.filter((r) => r.commentId === comment.id).map((r) => [r.content, r.status, r.by])).toEqual([
      ["eyes", 201, "flotilla-ci[bot]"],
      ["eyes", 200, "flotilla-ci[bot]"],
      ["+1", 201, "flotilla-ci[bot]"],
    ]);
    await expect(
      octokit.rest.reactions.createForIssueComment({ owner, repo: name, comment_id: 12345, content: "eyes" }),
    ).rejects.toMatchObject({ status: 404 });
    const bogus = octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
      owner,
      repo: name,
      comment_id: comment.id,
      content: "thumbsup" as "+1",
    });
    await expect(bogus).rejects.toMatchObject({ status: 422 });
  });

  it("keeps a check run's buttons as the last request that sent them says, and refuses a fourth", async () => {
    const cancel = { label: "Cancel", description: "Cancel this job", identifier: "cancel" };
    const created = await octokit.rest.checks.create({
      owner,
      repo: name,
      name: "build",
      head_sha: sha,
      actions: [cancel],
    });
    const record = () => fake.checkRuns.find((r) => r.id === created.data.id);
    expect(record()?.actions).toEqual([cancel]);
    await octokit.rest.checks.update({ owner, repo: name, check_run_id: created.data.id, status: "in_progress" });
    expect(record()?.actions).toEqual([cancel]);
    await octokit.rest.checks.update({
      owner,
      repo: name,
      check_run_id: created.data.id,
      conclusion: "success",
      actions: [],
    });
    expect(record()?.actions).toEqual([]);
    expect(record()?.history.map((h) => h.body.actions)).toEqual([[cancel], undefined, []]);
    await expect(
      octokit.rest.checks.update({
        owner,
        repo: name,
        check_run_id: created.data.id,
        actions: [cancel, cancel, cancel, cancel],
      }),
    ).rejects.toMatchObject({ status: 422 });
    await expect(
      octokit.rest.checks.update({
        owner,
        repo: name,
        check_run_id: created.data.id,
        actions: [{ ...cancel, label: "A label longer than twenty" }],
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(fake.unexpectedRequests).toEqual([]);
  });
});
