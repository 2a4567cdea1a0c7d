/**
 * The fake GitHub's pull requests: a fork's head and the test merge kept in the base
 * repository as `refs/pull/N/head` and `refs/pull/N/merge`, made with the real git, served over
 * git HTTP to the base's token and by `GET /repos/{owner}/{repo}/pulls/{pull_number}`.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { Probot, type ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub, validateResponseBody, type FakeGitHub, type FakeRepository } from "./fake-github.ts";
import { cloneRepo, commitFiles, createRepo, git } from "./git-repo.ts";
import { createAppCredentials } from "./github-app.ts";

const INSTALLATION = 42;

describe("fake GitHub: pull requests from forks", () => {
  const app = createAppCredentials();
  let tmp: string;
  let fake: FakeGitHub;
  let octokit: ProbotOctokit;
  let appOctokit: ProbotOctokit;
  let widgets: FakeRepository;
  let fork: FakeRepository;
  let baseDir: string;
  let forkDir: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "flotilla-fake-pulls-"));
    baseDir = (await createRepo(join(tmp, "widgets"), { "README.md": "hello\n", "src/a.c": "int a;\n" })).dir;
    forkDir = await cloneRepo(baseDir, join(tmp, "fork"));
    fake = await startFakeGitHub({ app });
    widgets = await fake.addRepository({ owner: "acme", name: "widgets", dir: baseDir, installationId: INSTALLATION });
    // A private fork in an installation of its own: the base's tokens cannot read it.
    fork = await fake.addRepository({
      owner: "contributor",
      name: "widgets",
      dir: forkDir,
      private: true,
      installationId: 7,
    });
    const probot = new Probot({
      appId: app.appId,
      privateKey: app.privateKey,
      baseUrl: fake.apiUrl,
      logLevel: "fatal",
    });
    octokit = await probot.auth(INSTALLATION);
    appOctokit = await probot.auth();
  });

  afterAll(async () => {
    await fake?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const getPull = (pull_number: number) =>
    octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner: "acme", repo: "widgets", pull_number });

  it("keeps the fork's head and a real merge of it into the base in the base repository", async () => {
    const headSha = await commitFiles(forkDir, { "src/fork.c": "int fork;\n" }, "Fork change");
    // The base moves on after the fork: the merge has both, the head only the fork's.
    const baseSha = await commitFiles(baseDir, { "later.txt": "later\n" }, "Later on main");
    const pr = await fake.openPullRequest(widgets, {
      number: 3,
      headSha,
      headRef: "feature",
      headRepo: fork,
      headDir: forkDir,
    });
    expect(pr).toEqual({
      number: 3,
      headSha,
      baseSha,
      mergeable: true,
      mergeCommitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const merge = pr.mergeCommitSha!;
    expect(await git(baseDir, ["rev-parse", "refs/pull/3/head", "refs/pull/3/merge"])).toBe(`${headSha}\n${merge}`);
    expect(await git(baseDir, ["log", "-1", "--format=%P%n%cn <%ce>%n%s", merge])).toBe(
      `${baseSha} ${headSha}\nGitHub <noreply@github.com>\nMerge ${headSha} into ${baseSha}`,
    );
    expect((await git(baseDir, ["ls-tree", "-r", "--name-only", merge])).split("\n")).toEqual([
      "README.md",
      "later.txt",
      "src/a.c",
      "src/fork.c",
    ]);
    // Made in the base's object store; its branches and work tree are left as they were.
    expect(await git(baseDir, ["rev-parse", "HEAD"])).toBe(baseSha);
    expect(await git(baseDir, ["status", "--porcelain"])).toBe("");

    const { data } = await getPull(3);
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 200, data).message).toBe("");
    expect(data).toMatchObject({
      number: 3,
      state: "open",
      mergeable: true,
      mergeable_state: "clean",
      merge_commit_sha: merge,
      head: { sha: headSha, ref: "feature", repo: { full_name: "contributor/widgets", private: true } },
      base: { sha: baseSha, ref: "main", repo: { full_name: "acme/widgets" } },
    });
  });

  it("serves refs/pull/N/head and /merge over git to the base's read-only token, never the private fork", async () => {
    const { data } = await appOctokit.request("POST /app/installations/{installation_id}/access_tokens", {
      installation_id: INSTALLATION,
      repositories: ["widgets"],
      permissions: { contents: "read" },
    });
    const basic = Buffer.from(`x-access-token:${data.token}`).toString("base64");
    const auth = ["-c", `http.extraHeader=Authorization: Basic ${basic}`];
    const dir = join(tmp, "ws");
    await execa("git", ["init", "--quiet", dir]);
    await execa("git", ["-C", dir, "remote", "add", "origin", widgets.clone_url]);
    const refs = await execa("git", [...auth, "-C", dir, "ls-remote", "origin", "refs/pull/*"]);
    expect(refs.stdout.split("\n").map((line) => line.split("\t")[1])).toEqual([
      "refs/pull/3/head",
      "refs/pull/3/merge",
    ]);
    await execa("git", [
      ...auth,
      "-C",
      dir,
      "fetch",
      "--quiet",
      "--depth=1",
      "origin",
      "+refs/pull/3/merge:refs/remotes/pull/3/merge",
    ]);
    await execa("git", ["-C", dir, "checkout", "--quiet", "--detach", "refs/remotes/pull/3/merge"]);
    expect(await readFile(join(dir, "src/fork.c"), "utf8")).toBe("int fork;\n");
    expect(await readFile(join(dir, "later.txt"), "utf8")).toBe("later\n");

    const refused = await execa("git", [...auth, "ls-remote", fork.clone_url], {
      reject: false,
      env: { GIT_TERMINAL_PROMPT: "0" },
    });
    expect(refused.exitCode).not.toBe(0);
    expect(fake.clones.at(-1)).toMatchObject({ repo: "contributor/widgets", token: data.token, status: 404 });
  });

  it("says mergeable: null while it is still merging, then the merge", async () => {
    const headSha = await commitFiles(forkDir, { "src/fork.c": "int fork2;\n" }, "Second push");
    const pr = await fake.openPullRequest(widgets, {
      number: 3,
      headSha,
      headRef: "feature",
      headRepo: fork,
      headDir: forkDir,
      pendingReads: 1,
    });
    expect(await git(baseDir, ["rev-parse", "refs/pull/3/head", "refs/pull/3/merge"])).toBe(
      `${headSha}\n${pr.mergeCommitSha}`,
    );
    const first = (await getPull(3)).data;
    expect(first).toMatchObject({ mergeable: null, mergeable_state: "unknown", merge_commit_sha: null });
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 200, first).message).toBe("");
    expect((await getPull(3)).data).toMatchObject({
      mergeable: true,
      merge_commit_sha: pr.mergeCommitSha,
      head: { sha: headSha },
    });
  });

  it("makes no merge ref for a head that conflicts with the base, and says mergeable: false", async () => {
    const other = await cloneRepo(baseDir, join(tmp, "conflicting"));
    const headSha = await commitFiles(other, { "README.md": "fork's hello\n" }, "Fork README");
    await commitFiles(baseDir, { "README.md": "base's hello\n" }, "Base README");
    const pr = await fake.openPullRequest(widgets, { number: 4, headSha, headRef: "readme", headDir: other });
    expect(pr).toMatchObject({ mergeable: false, mergeCommitSha: null });
    expect(await git(baseDir, ["rev-parse", "refs/pull/4/head"])).toBe(headSha);
    const missing = await execa("git", ["-C", baseDir, "rev-parse", "--verify", "--quiet", "refs/pull/4/merge"], {
      reject: false,
    });
    expect(missing.exitCode).not.toBe(0);
    expect((await getPull(4)).data).toMatchObject({
      mergeable: false,
      mergeable_state: "dirty",
      merge_commit_sha: null,
    });
    await expect(getPull(99)).rejects.toMatchObject({ status: 404 });
  });

  it("refuses a pull request between unrelated histories, as GitHub does", async () => {
    const stranger = await createRepo(join(tmp, "stranger"), { "README.md": "unrelated\n" });
    await expect(
      fake.openPullRequest(widgets, { number: 5, headSha: stranger.sha, headRef: "x", headDir: stranger.dir }),
    ).rejects.toThrow(/unrelated histories/);
  });
});
