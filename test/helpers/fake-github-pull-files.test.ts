import { join } from "node:path";
import { Probot, type ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub, validateResponseBody, type FakeGitHub } from "./fake-github.ts";
import { scratchDir } from "./scratch.ts";
import { cloneRepo, commitFiles, createRepo, git } from "./git-repo.ts";
import { createAppCredentials } from "./github-app.ts";

describe("fake GitHub: GET /repos/{owner}/{repo}/pulls/{pull_number}/files", () => {
  const app = createAppCredentials();
  const tmp = scratchDir("flotilla-pull-files-");
  let fake: FakeGitHub;
  let octokit: ProbotOctokit;

  beforeAll(async () => {
    const base = await createRepo(join(tmp(), "widgets"), {
      "README.md": "hello\n",
      "src/old.c": "int x;\n".repeat(20),
      "gone.txt": "bye\n",
    });
    const fork = await cloneRepo(base.dir, join(tmp(), "fork"));
    await git(fork, ["mv", "src/old.c", "src/new.c"]);
    const head = await commitFiles(
      fork,
      { "README.md": "hello\nworld\n", "gone.txt": null, "docs/a b.md": "# a\n" },
      "PR change",
    );
    // The base moves on after the fork: its change must not show up in the PR's files.
    await commitFiles(base.dir, { "later.txt": "later\n" }, "Later on main");
    fake = await startFakeGitHub({ app });
    const repo = await fake.addRepository({ owner: "acme", name: "widgets", dir: base.dir, installationId: 42 });
    await fake.openPullRequest(repo, { number: 3, headSha: head, headRef: "feature", headDir: fork });
    const probot = new Probot({
      appId: app.appId,
      privateKey: app.privateKey,
      baseUrl: fake.apiUrl,
      logLevel: "fatal",
    });
    octokit = await probot.auth(42);
  });

  afterAll(async () => {
    await fake?.close();
  });

  it("lists the files between the merge base and the head, in GitHub's shape", async () => {
    const { data, status } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: "acme",
      repo: "widgets",
      pull_number: 3,
    });
    expect(status).toBe(200);
    expect(validateResponseBody("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", 200, data).message).toBe("");
    expect(data.map((f) => [f.filename, f.status, f.additions, f.deletions, f.previous_filename])).toEqual([
      ["README.md", "modified", 1, 0, undefined],
      ["docs/a b.md", "added", 1, 0, undefined],
      ["gone.txt", "removed", 0, 1, undefined],
      ["src/new.c", "renamed", 0, 0, "src/old.c"],
    ]);
    expect(data[0]!.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it("paginates like GitHub and answers 404 for an unknown pull request", async () => {
    const page = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: "acme",
      repo: "widgets",
      pull_number: 3,
      per_page: 3,
      page: 2,
    });
    expect(page.data.map((f) => f.filename)).toEqual(["src/new.c"]);
    expect(page.headers.link).toContain('rel="prev"');
    const all = await octokit.paginate("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: "acme",
      repo: "widgets",
      pull_number: 3,
      per_page: 1,
    });
    expect(all).toHaveLength(4);
    await expect(
      octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
        owner: "acme",
        repo: "widgets",
        pull_number: 99,
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
