/**
 * The GitLab forge against the fake GitLab (REST v4 and git smart HTTP), built as gitlab-kind.ts
 * builds it: workflow files and files at a ref read from the real repository; check runs shown
 * as commit statuses moving pending → running → success, GitLab's refusal of a same-state
 * transition taken as delivered, and a fork merge request's head (on no branch) filed under its
 * `refs/merge-requests/<iid>/head`; a read-only deploy token minted once and reused, with which
 * git really lists a private project; permissions from the member's role, cached; reactions,
 * the bot's own notes found again by their marker; a merge request's state and changed files.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { permissionCache, tokenCache, blobCache } from "../../../../bot/forges/caches.ts";
import type { Forge, NewCheck } from "../../../../bot/forges/forge.ts";
import { gitlabClient } from "../../../../bot/forges/gitlab/client.ts";
import { gitlabForge } from "../../../../bot/forges/gitlab/gitlab-forge.ts";
import { type RepoRef, repoRef } from "../../../../bot/runs/repo-ref.ts";
import { runGit } from "../../../../runner/source/git.ts";
import { type FakeGitLab, type FakeGitLabProject, startFakeGitLab } from "../../../helpers/fake-gitlab.ts";

const WORKFLOWS = ".github/workflows";
const MARKER = "<!-- flotilla:failure-summary -->";

let fake: FakeGitLab;
let forge: Forge;
let project: FakeGitLabProject;
let repo: RepoRef;
let first: string;
let head: string;
/** The fork's merge request (iid 1): its head is on no branch of the target. */
let forkMr: { iid: number; sha: string };
/** A merge request from a branch of the project itself (iid 2) that renames a file. */
let ownMr: { iid: number; sha: string };

beforeAll(async () => {
  fake = await startFakeGitLab();
  const client = gitlabClient({
    url: fake.url,
    token: fake.token,
    retry: { tries: 3, baseDelayMs: 10, maxDelayMs: 100 },
  });
  forge = gitlabForge({
    client,
    botUsername: async () => ((await client.Users.showCurrentUser()) as { username: string }).username,
    permissions: permissionCache(),
    tokens: tokenCache(23 * 60 * 60_000),
    blobs: blobCache(),
    log: pino({ level: "silent" }),
  });
  ({ project, sha: first } = await fake.createProject("acme/sub/widgets", {
    "README.md": "# widgets v1\n",
    "docs/guide.md": "guide\n",
    [`${WORKFLOWS}/test.yml`]: "name: test\n",
    [`${WORKFLOWS}/build.yaml`]: "name: build\n",
    [`${WORKFLOWS}/notes.md`]: "not a workflow\n",
    [`${WORKFLOWS}/nested/deep.yml`]: "name: nested\n",
  }));
  repo = repoRef(`${new URL(fake.url).host}/${project.path}`);
  ({ sha: head } = await fake.commit(project, { "README.md": "# widgets v2\n" }));

  const { project: fork } = await fake.createProject("alice/widgets", {}, { forkOf: project, visibility: "public" });
  await fake.commit(fork, { "src/feature.ts": "export const x = 1;\n" }, { branch: "feature" });
  forkMr = await fake.openMergeRequest(project, { source: fork, sourceBranch: "feature", author: "alice" });

  await fake.commit(project, { "docs/guide.md": null, "docs/manual.md": "guide\n" }, { branch: "rename-guide" });
  ownMr = await fake.openMergeRequest(project, { sourceBranch: "rename-guide", author: "bob" });
});

afterAll(async () => {
  await fake?.close();
});

describe("repository reads", () => {
  it("lists the workflow files (.yml and .yaml only, not in subfolders), sorted, with their contents", async () => {
    expect(await forge.listWorkflowFiles(repo, head, WORKFLOWS)).toEqual([
      { path: `${WORKFLOWS}/build.yaml`, content: "name: build\n" },
      { path: `${WORKFLOWS}/test.yml`, content: "name: test\n" },
    ]);
    expect(await forge.listWorkflowFiles(repo, head, ".gitlab/workflows")).toEqual([]);
  });

  it("reads a file at a ref; an absent file is undefined", async () => {
    expect(await forge.readFile(repo, "README.md", first)).toBe("# widgets v1\n");
    expect(await forge.readFile(repo, "README.md", "main")).toBe("# widgets v2\n");
    expect(await forge.readFile(repo, "docs/guide.md", head)).toBe("guide\n");
    expect(await forge.readFile(repo, "missing.txt", head)).toBeUndefined();
  });

  it("names the commit of a branch; an unknown ref is undefined", async () => {
    expect(await forge.commitSha(repo, "main")).toBe(head);
    expect(await forge.commitSha(repo, first)).toBe(first);
    expect(await forge.commitSha(repo, "no-such-branch")).toBeUndefined();
  });
});

describe("check runs as commit statuses", () => {
  const check = (sha: string, name: string): NewCheck => ({
    name,
    headSha: sha,
    detailsUrl: `https://flotilla.example/runs/1/${name}`,
    externalId: `run-1-${name}`,
    status: "queued",
  });
  const of = (name: string) => fake.statuses.filter((s) => s.name === name);

  it("moves a status pending → running → success; a same-state update is taken as delivered", async () => {
    const created = await forge.createCheck(repo, check(head, "test / unit"));
    expect(of("test / unit")).toMatchObject([
      { status: "pending", sha: head, ref: "main", targetUrl: "https://flotilla.example/runs/1/test / unit" },
    ]);
    const ref = { ...check(head, "test / unit"), id: created.id };
    await forge.updateCheck(repo, ref, { status: "in_progress" });
    // Delivered again (a bus message taken twice): GitLab refuses running → running with 400.
    await forge.updateCheck(repo, ref, { status: "in_progress" });
    const before = fake.requests.length;
    await forge.updateCheck(repo, ref, { output: { title: "2 of 5 steps", summary: "…" } });
    expect(fake.requests.length).toBe(before);
    await forge.updateCheck(repo, ref, {
      status: "completed",
      conclusion: "success",
      output: { title: "Passed", summary: "" },
    });
    expect(of("test / unit").map((s) => s.status)).toEqual(["pending", "running", "success"]);
    expect(new Set(of("test / unit").map((s) => s.id))).toEqual(new Set([created.id]));
    expect(of("test / unit").at(-1)?.description).toBe("Passed");
    expect(
      fake.requests.filter((r) => r.method === "POST" && r.path.includes("/statuses/")).map((r) => r.status),
    ).toEqual([201, 201, 400, 201]);
  });

  it("a check created twice (a planning taken again) is one status, its id answered both times", async () => {
    const once = await forge.createCheck(repo, check(head, "lint"));
    const twice = await forge.createCheck(repo, check(head, "lint"));
    expect(twice.id).toBe(once.id);
    expect(of("lint")).toMatchObject([{ id: once.id, status: "pending" }]);
  });

  it("files a fork merge request's head, which no branch holds, under refs/merge-requests/<iid>/head", async () => {
    const created = await forge.createCheck(repo, check(forkMr.sha, "test / fork"));
    await forge.updateCheck(
      repo,
      { ...check(forkMr.sha, "test / fork"), id: created.id },
      { status: "completed", conclusion: "failure" },
    );
    expect(of("test / fork")).toMatchObject([
      { status: "pending", sha: forkMr.sha, ref: `refs/merge-requests/${forkMr.iid}/head` },
      { status: "failed", sha: forkMr.sha, ref: `refs/merge-requests/${forkMr.iid}/head`, id: created.id },
    ]);
  });

  it("sets a commit status with its description and link", async () => {
    await forge.setCommitStatus(repo, head, {
      state: "failure",
      context: "flotilla / approval",
      description: "x".repeat(300),
      targetUrl: "https://flotilla.example/approve",
    });
    const [status] = of("flotilla / approval");
    expect(status).toMatchObject({ status: "failed", ref: "main", targetUrl: "https://flotilla.example/approve" });
    expect(status?.description).toHaveLength(255);
  });
});

describe("clone tokens", () => {
  it("mints one read_repository deploy token, reuses it, and git lists the private project with it", async () => {
    const token = await forge.cloneToken(repo);
    expect(token).toMatch(/^gitlab\+deploy-token-\d+:gldt-/);
    expect(await forge.cloneToken(repo)).toBe(token);
    expect(fake.deployTokens).toHaveLength(1);
    const [made] = fake.deployTokens;
    expect(made).toMatchObject({ scopes: ["read_repository"], username: token?.split(":")[0] });
    const lifetime = Date.parse(made!.expiresAt!) - Date.now();
    expect(lifetime).toBeGreaterThan(23 * 60 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(24 * 60 * 60_000);

    const remote = `${fake.url}/${project.path}.git`;
    const listed = await runGit(["ls-remote", remote], { token });
    expect(listed.error).toBe("");
    expect(listed.ok).toBe(true);
    expect(listed.stdout).toContain(`${head}\trefs/heads/main`);
    expect(fake.clones.at(-1)).toEqual({ project: project.path, username: made!.username, ok: true });
    // Without it, the private project is not listed.
    expect((await runGit(["ls-remote", remote], {})).ok).toBe(false);
  });
});

describe("permissions", () => {
  it("reads the member's role: Developer writes, Reporter reads, others none; cached", async () => {
    fake.setMember(project, "dev", 30);
    fake.setMember(project, "rep", 20);
    fake.user("stranger");
    expect(await forge.permission(repo, "dev")).toBe("write");
    expect(await forge.permission(repo, "rep")).toBe("read");
    expect(await forge.permission(repo, "stranger")).toBe("none");
    expect(await forge.permission(repo, "nobody-on-this-gitlab")).toBe("none");
    const reads = fake.memberReads;
    expect(reads).toBe(3);
    expect(await forge.permission(repo, "dev")).toBe("write");
    expect(await forge.permission(repo, "DEV")).toBe("write");
    expect(await forge.permission(repo, "stranger")).toBe("none");
    expect(fake.memberReads).toBe(reads);
  });
});

describe("notes and reactions", () => {
  it("awards eyes and thumbsup on a note; awarding again is no error", async () => {
    const note = fake.addNote(project, forkMr.iid, "alice", "/flotilla retry");
    await forge.react(repo, forkMr.iid, note.id, "eyes");
    await forge.react(repo, forkMr.iid, note.id, "+1");
    await forge.react(repo, forkMr.iid, note.id, "eyes");
    expect(fake.awards.filter((a) => a.noteId === note.id).map((a) => [a.name, a.user])).toEqual([
      ["eyes", fake.botUser.username],
      ["thumbsup", fake.botUser.username],
    ]);
  });

  it("comments, edits its comment, and finds only its own note with the marker", async () => {
    // Someone quoting the bot's summary, marker and all, before the bot wrote it.
    fake.addNote(project, ownMr.iid, "bob", `> ${MARKER}\n> 1 job failed`);
    expect(await forge.findComment(repo, ownMr.iid, MARKER)).toBeUndefined();
    const { id } = await forge.comment(repo, ownMr.iid, `${MARKER}\n1 job failed`);
    await forge.comment(repo, ownMr.iid, "Unrelated note of the bot's");
    expect(fake.notes.find((n) => n.id === id)).toMatchObject({ author: fake.botUser.username, iid: ownMr.iid });
    await forge.editComment(repo, ownMr.iid, id, `${MARKER}\n2 jobs failed`);
    expect(await forge.findComment(repo, ownMr.iid, MARKER)).toEqual({ id, body: `${MARKER}\n2 jobs failed` });
    expect(await forge.findComment(repo, forkMr.iid, MARKER)).toBeUndefined();
  });
});

describe("merge requests", () => {
  it("answers the head and whether it is open; an unknown one is undefined", async () => {
    expect(await forge.pullRequest(repo, forkMr.iid)).toEqual({
      headSha: forkMr.sha,
      open: true,
      mergeable: true,
      mergeCommitSha: forkMr.sha,
    });
    fake.closeMergeRequest(project, forkMr.iid);
    expect(await forge.pullRequest(repo, forkMr.iid)).toMatchObject({ open: false, headSha: forkMr.sha });
    expect(await forge.pullRequest(repo, 99)).toBeUndefined();
  });

  it("lists the changed files, a rename under both names", async () => {
    expect(await forge.changedFiles(repo, forkMr.iid)).toEqual(["src/feature.ts"]);
    expect((await forge.changedFiles(repo, ownMr.iid))?.sort()).toEqual(["docs/guide.md", "docs/manual.md"]);
  });
});
