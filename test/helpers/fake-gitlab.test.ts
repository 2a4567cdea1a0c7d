/**
 * The fake GitLab through the client the bot uses (@gitbeaker/rest) and the real git: if these
 * pass, a product that works against it speaks GitLab's REST v4 and git smart HTTP.
 */
import { Gitlab } from "@gitbeaker/rest";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitLab, type FakeGitLab, type FakeGitLabProject } from "./fake-gitlab.ts";
import { deliverGitLabHook, mergeRequestHook, noteHook, pushHook } from "./gitlab-webhooks.ts";
import { scratchDir } from "./scratch.ts";

const scratch = scratchDir("flotilla-fake-gitlab-test-");

describe("fake GitLab", () => {
  let fake: FakeGitLab;
  let api: InstanceType<typeof Gitlab>;
  let project: FakeGitLabProject;
  let first: string;

  beforeAll(async () => {
    fake = await startFakeGitLab();
    api = new Gitlab({ host: fake.url, token: fake.token });
    ({ project, sha: first } = await fake.createProject("acme/sub/widgets", {
      "README.md": "# widgets\n",
      "src/index.ts": "export {};\n",
    }));
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("answers projects, the bot user, and 401 for a wrong token", async () => {
    const shown = await api.Projects.show(project.path);
    expect(shown).toMatchObject({
      id: project.id,
      path_with_namespace: "acme/sub/widgets",
      default_branch: "main",
      visibility: "private",
      http_url_to_repo: `${fake.url}/acme/sub/widgets.git`,
    });
    expect((await api.Users.showCurrentUser()).username).toBe(fake.botUser.username);
    const wrong = new Gitlab({ host: fake.url, token: "nope" });
    await expect(wrong.Projects.show(project.id)).rejects.toThrow(/401 Unauthorized/);
    await expect(api.Projects.show("acme/nothing")).rejects.toThrow(/404 Project Not Found/);
    expect(fake.requests.some((r) => r.path === "/api/v4/projects/acme%2Fsub%2Fwidgets")).toBe(true);
  });

  it("reads trees, files and commits from the real repository", async () => {
    const tree = await api.Repositories.allRepositoryTrees(project.path, { ref: "main", recursive: true });
    expect(tree.map((e) => `${e.type}:${e.path}`).sort()).toEqual(["blob:README.md", "blob:src/index.ts", "tree:src"]);
    // gitbeaker types this endpoint as keyset-only; GitLab's offset headers, read directly:
    const page = await fetch(
      `${fake.url}/api/v4/projects/${project.id}/repository/tree?recursive=true&per_page=1&page=2`,
      { headers: { "PRIVATE-TOKEN": fake.token } },
    );
    expect(
      Object.fromEntries(["x-page", "x-next-page", "x-total", "x-total-pages"].map((h) => [h, page.headers.get(h)])),
    ).toEqual({ "x-page": "2", "x-next-page": "3", "x-total": "3", "x-total-pages": "3" });
    expect(await page.json()).toHaveLength(1);
    await expect(api.Repositories.allRepositoryTrees(project.path, { path: "nope" })).rejects.toThrow(
      /404 Tree Not Found/,
    );
    const raw = await api.RepositoryFiles.showRaw(project.path, "src/index.ts", "main");
    expect(raw).toBe("export {};\n");
    const file = await api.RepositoryFiles.show(project.path, "README.md", "main");
    expect(Buffer.from(file.content, "base64").toString()).toBe("# widgets\n");
    await expect(api.RepositoryFiles.showRaw(project.path, "missing", "main")).rejects.toThrow(/404 File Not Found/);
    const commit = await api.Commits.show(project.path, "main");
    expect(commit).toMatchObject({ id: first, title: "Initial commit", parent_ids: [] });
  });

  it("records statuses and refuses GitLab's invalid transitions", async () => {
    const posted = await api.Commits.editStatus(project.id, first, "pending", {
      name: "ci/test",
      targetUrl: "http://x/1",
    });
    expect(posted).toMatchObject({ status: "pending", name: "ci/test", ref: "main", sha: first });
    const running = await api.Commits.editStatus(project.id, first, "running", { name: "ci/test" });
    expect(running.id).toBe(posted.id);
    await expect(api.Commits.editStatus(project.id, first, "running", { name: "ci/test" })).rejects.toThrow(
      /Cannot transition status via :run from :running/,
    );
    await api.Commits.editStatus(project.id, first, "success", { name: "ci/test" });
    // Finished: the next post starts a new status.
    const again = await api.Commits.editStatus(project.id, first, "running", { name: "ci/test" });
    expect(again.id).not.toBe(posted.id);
    expect(fake.statuses.map((s) => s.status)).toEqual(["pending", "running", "success", "running"]);
    expect(fake.statuses[0]?.targetUrl).toBe("http://x/1");
    const listed = await api.Commits.allStatuses(project.id, first);
    expect(listed.map((s) => s.status)).toEqual(["running"]);
    await expect(api.Commits.editStatus(project.id, first, "bogus" as "success")).rejects.toThrow(/valid value/);
  });

  it("retries through an injected 429 with Retry-After", async () => {
    fake.fail(/^POST \/api\/v4\/projects\/\d+\/statuses\//, 429, 1, { retryAfterSeconds: 1 });
    await api.Commits.editStatus(project.id, first, "failed", { name: "ci/other" });
    const tail = fake.requests.filter((r) => r.path.includes("/statuses/")).slice(-2);
    expect(tail.map((r) => r.status)).toEqual([429, 201]);
  });

  it("serves a fork MR: head ref in the target, notes, awards, members", async () => {
    const { project: fork } = await fake.createProject("alice/widgets", {}, { forkOf: project, visibility: "public" });
    const { sha } = await fake.commit(fork, { "src/feature.ts": "export const x = 1;\n" }, { branch: "feature" });
    const mr = await fake.openMergeRequest(project, { source: fork, sourceBranch: "feature", author: "alice" });
    expect(mr).toEqual({ iid: 1, sha });
    const shown = await api.MergeRequests.show(project.path, 1);
    expect(shown).toMatchObject({
      sha,
      source_project_id: fork.id,
      target_project_id: project.id,
      author: { username: "alice" },
      diff_refs: { head_sha: sha },
    });
    const diffs = await api.MergeRequests.allDiffs(project.path, 1);
    expect(diffs).toMatchObject([{ new_path: "src/feature.ts", new_file: true }]);
    // A fork MR's head is on no branch of the target: a status needs `ref`.
    await expect(api.Commits.editStatus(project.id, sha, "pending", { name: "ci" })).rejects.toThrow(
      /References for commit/,
    );

    const person = fake.addNote(project, 1, "alice", "/flotilla retry");
    const mine = await api.MergeRequestNotes.create(project.id, 1, "Working on it");
    await api.MergeRequestNotes.edit(project.id, 1, mine.id, { body: "Done" });
    await expect(api.MergeRequestNotes.edit(project.id, 1, person.id, { body: "hijack" })).rejects.toThrow(/403/);
    const notes = await api.MergeRequestNotes.all(project.id, 1, { sort: "asc" });
    expect(notes.map((n) => [n.author.username, n.body])).toEqual([
      ["alice", "/flotilla retry"],
      [fake.botUser.username, "Done"],
    ]);
    await api.MergeRequestNoteAwardEmojis.award(project.id, 1, person.id, "eyes");
    await expect(api.MergeRequestNoteAwardEmojis.award(project.id, 1, person.id, "eyes")).rejects.toThrow(
      /Award Emoji Name has already been taken/,
    );
    expect(fake.awards).toMatchObject([{ noteId: person.id, name: "eyes", user: fake.botUser.username }]);

    const alice = fake.setMember(project, "alice", 30);
    const member = await api.ProjectMembers.show(project.id, alice.id, { includeInherited: true });
    expect(member.access_level).toBe(30);
    const bob = fake.user("bob");
    await expect(api.ProjectMembers.show(project.id, bob.id, { includeInherited: true })).rejects.toThrow(/404/);
    expect(fake.memberReads).toBe(2);

    // The target's clone fetches the fork's code through refs/merge-requests/1/head.
    const dir = `${scratch()}/mr-clone`;
    const token = await api.DeployTokens.create("ci", ["read_repository"], { projectId: project.id });
    const remote = new URL(`${fake.url}/${project.path}.git`);
    remote.username = token.username;
    remote.password = token.token as string;
    await execa("git", ["init", "--quiet", dir]);
    await execa("git", ["-C", dir, "fetch", "--quiet", remote.href, "refs/merge-requests/1/head"]);
    expect((await execa("git", ["-C", dir, "rev-parse", "FETCH_HEAD"])).stdout).toBe(sha);

    await fake.commit(fork, { "src/feature.ts": "export const x = 2;\n" }, { branch: "feature" });
    const moved = await fake.updateMergeRequest(project, 1);
    expect((await api.MergeRequests.show(project.path, 1)).sha).toBe(moved.sha);
  });

  it("clones a private project only with a deploy token of it (or the bot token)", async () => {
    const token = await api.DeployTokens.create("runner", ["read_repository"], {
      projectId: project.id,
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(token.username).toMatch(/^gitlab\+deploy-token-\d+$/);
    const clone = (user: string | undefined, password: string | undefined, name: string) => {
      const remote = new URL(`${fake.url}/${project.path}.git`);
      if (user) remote.username = user;
      if (password) remote.password = password;
      return execa("git", ["clone", "--quiet", remote.href, `${scratch()}/${name}`], {
        reject: false,
        env: { GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true" },
      });
    };
    expect((await clone(undefined, undefined, "anon")).exitCode).not.toBe(0);
    expect((await clone("someone", token.token as string, "wrong-user")).exitCode).not.toBe(0);
    expect((await clone(token.username, token.token as string, "ok")).exitCode).toBe(0);
    expect((await clone("anything", fake.token, "bot")).exitCode).toBe(0);
    expect(fake.clones.filter((c) => c.project === project.path).map((c) => [c.username, c.ok])).toContainEqual([
      token.username,
      true,
    ]);
    expect(fake.clones).toContainEqual({ project: project.path, username: null, ok: false });
    expect(fake.clones).toContainEqual({ project: project.path, username: "someone", ok: false });
    await api.DeployTokens.remove(token.id, { projectId: project.id });
    expect(fake.deployTokens.find((t) => t.id === token.id)?.revoked).toBe(true);
    expect((await clone(token.username, token.token as string, "revoked")).exitCode).not.toBe(0);
  });

  it("waitFor resolves with the value, or says what it saw", async () => {
    await expect(fake.waitFor(() => fake.statuses.length > 0 && fake.statuses.length)).resolves.toBeGreaterThan(0);
    await expect(fake.waitFor(() => false, { timeoutMs: 50, what: "never" })).rejects.toThrow(
      /never[\s\S]*last requests/,
    );
  });

  it("builds webhooks for a fake project and delivers them with GitLab's headers", async () => {
    const { before, sha } = await fake.commit(project, { "b.txt": "b\n" }, { branch: "topic" });
    expect(before).toBe("0".repeat(40));
    const push = pushHook(project, fake.url, { before, after: sha, ref: "refs/heads/topic", user: "alice" });
    expect(push.payload).toMatchObject({
      object_kind: "push",
      checkout_sha: sha,
      project_id: project.id,
      user_id: fake.user("alice").id,
      total_commits_count: 1,
      project: { path_with_namespace: project.path, git_http_url: `${fake.url}/${project.path}.git` },
    });
    expect((push.payload.commits as { added: string[] }[])[0]?.added).toEqual(["b.txt"]);
    const { iid } = await fake.openMergeRequest(project, { sourceBranch: "topic", author: "alice" });
    const opened = mergeRequestHook(project, fake.url, {
      iid,
      action: "open",
      sourceBranch: "topic",
      sha,
      author: "alice",
    });
    expect(opened.payload.object_attributes).toMatchObject({ iid, action: "open", last_commit: { id: sha } });
    const note = fake.addNote(project, iid, "alice", "/flotilla run");
    const hook = noteHook(project, fake.url, {
      iid,
      noteId: note.id,
      author: "alice",
      body: "/flotilla run",
      sha,
      sourceBranch: "topic",
    });
    expect(hook.payload).toMatchObject({
      object_attributes: { id: note.id, noteable_type: "MergeRequest" },
      merge_request: { iid },
    });

    const seen: Record<string, string | string[] | undefined>[] = [];
    const receiver = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/gitlab`;
      const answer = await deliverGitLabHook(hookUrl, "s3cret", hook, { uuid: "u-1", idempotencyKey: "k-1" });
      expect(answer).toEqual({ status: 200, body: "ok" });
      await deliverGitLabHook(hookUrl, undefined, push);
      expect(seen[0]).toMatchObject({
        "x-gitlab-event": "Note Hook",
        "x-gitlab-token": "s3cret",
        "x-gitlab-event-uuid": "u-1",
        "idempotency-key": "k-1",
        "x-gitlab-instance": fake.url,
      });
      expect(seen[1]?.["x-gitlab-token"]).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
