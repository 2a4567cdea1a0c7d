/**
 * A plain git repository behind the Forge interface: workflow files and files at a ref read
 * from the bot's mirror (fetched when it lacks the commit, so a new push is seen), results as
 * git notes through `updateCheck`, `setCommitStatus` and a check born finished, and whatever a
 * forge of pull requests and comments would do harmless. Real git, real repositories on disk.
 */
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { gitForge } from "../../../../bot/forges/git/git-forge.ts";
import { gitMirrors } from "../../../../bot/forges/git/mirror.ts";
import { repoRef } from "../../../../bot/runs/repo-ref.ts";
import { testLogger } from "../../../helpers/flotilla.ts";
import { commitFiles, createRepo, git } from "../../../helpers/git-repo.ts";
import { scratchDir } from "../../../helpers/scratch.ts";

const scratch = scratchDir("flotilla-git-forge-");
const repo = repoRef("git.local/srv/app");

async function setUp(sub: string) {
  const root = join(scratch(), sub);
  const { dir: work, sha } = await createRepo(join(root, "work"), {
    ".flotilla/workflows/ci.yml": "on: push\n",
    ".flotilla/workflows/notes.txt": "not a workflow\n",
    ".flotilla/workflows/b.yaml": "on: push # b\n",
    "README.md": "hello\n",
  });
  const bare = join(root, "app.git");
  await execa("git", ["clone", "--quiet", "--bare", work, bare]);
  await git(work, ["remote", "add", "origin", bare]);
  const mirrors = gitMirrors(join(root, "mirrors"));
  const forge = gitForge({
    followed: async (name) => (name === repo.fullName ? { url: bare, resultsUrl: bare } : undefined),
    mirror: mirrors,
    log: testLogger(),
  });
  return { work, bare, sha, forge };
}

describe("gitForge", { timeout: 60_000 }, () => {
  it("reads workflow files, files and commits from its mirror, fetching a new push", async () => {
    const { work, sha, forge } = await setUp("read");
    expect(await forge.listWorkflowFiles(repo, sha, ".flotilla/workflows")).toEqual([
      { path: ".flotilla/workflows/b.yaml", content: "on: push # b\n" },
      { path: ".flotilla/workflows/ci.yml", content: "on: push\n" },
    ]);
    expect(await forge.listWorkflowFiles(repo, sha, "no/such/dir")).toEqual([]);
    // Exactly as committed: the final newline stays.
    expect(await forge.readFile(repo, "README.md", sha)).toBe("hello\n");
    expect(await forge.readFile(repo, "missing.txt", sha)).toBeUndefined();
    expect(await forge.readFile(repo, ".flotilla/workflows", sha)).toBeUndefined();
    expect(await forge.commitSha(repo, "main")).toBe(sha);
    // A push after the mirror was made: the new commit is fetched when it is asked for.
    const next = await commitFiles(work, { "README.md": "again\n" });
    await git(work, ["push", "--quiet", "origin", "HEAD:main"]);
    expect(await forge.readFile(repo, "README.md", next)).toBe("again\n");
    expect(await forge.commitSha(repo, "0".repeat(40))).toBeUndefined();
    // A repository no longer followed has nothing.
    expect(await forge.listWorkflowFiles(repoRef("git.local/other"), sha, ".flotilla/workflows")).toEqual([]);
  });

  it("writes job and run lines into the namespace's note, and a pending status writes nothing", async () => {
    const { bare, sha, forge } = await setUp("notes");
    await forge.setCommitStatus(repo, sha, {
      state: "pending",
      context: "flotilla/ci [lab]",
      description: "Queued",
      targetUrl: "http://ci/runs/1",
      namespace: "lab",
    });
    const none = await execa("git", ["notes", "--ref", "flotilla-lab", "show", sha], { cwd: bare, reject: false });
    expect(none.exitCode).not.toBe(0);
    await forge.updateCheck(
      repo,
      { id: 0, name: "build [lab]", headSha: sha, externalId: "j1", detailsUrl: "http://ci/jobs/1", namespace: "lab" },
      { status: "completed", conclusion: "failure", logTail: "compiling\nerror: boom\n" },
    );
    await forge.setCommitStatus(repo, sha, {
      state: "failure",
      context: "flotilla/ci [lab]",
      description: "Some jobs did not succeed",
      targetUrl: "http://ci/runs/1",
      namespace: "lab",
    });
    await forge.createCheck(repo, {
      name: ".flotilla/workflows/bad.yml",
      headSha: sha,
      detailsUrl: "http://ci/runs/2",
      externalId: "r2",
      status: "completed",
      conclusion: "failure",
      output: { title: "bad.yml is not a valid workflow", summary: "Flotilla could not run it:\n\n- line 3: nope" },
      namespaces: ["lab"],
    });
    expect(await git(bare, ["notes", "--ref", "flotilla-lab", "show", sha])).toBe(
      [
        "run .flotilla/workflows/bad.yml: failure http://ci/runs/2",
        "    bad.yml is not a valid workflow",
        "    - line 3: nope",
        "run flotilla/ci [lab]: failure http://ci/runs/1",
        "job build [lab]: failure http://ci/jobs/1",
        "    compiling",
        "    error: boom",
      ].join("\n"),
    );
  });

  it("answers harmlessly what a plain git repository does not have", async () => {
    const { forge } = await setUp("harmless");
    expect(await forge.pullRequest(repo, 1)).toBeUndefined();
    expect(await forge.changedFiles(repo, 1)).toBeUndefined();
    expect(await forge.permission(repo, "someone")).toBe("none");
    expect(await forge.cloneToken(repo)).toBeUndefined();
    expect(await forge.findCheck(repo, { name: "x", headSha: "0".repeat(40), externalId: "x" })).toBeUndefined();
    expect(await forge.comment(repo, 1, "hi")).toEqual({ id: 0 });
    await expect(forge.react(repo, 1, 1, "eyes")).resolves.toBeUndefined();
    await expect(forge.editComment(repo, 1, 1, "x")).resolves.toBeUndefined();
    expect(await forge.findComment(repo, 1, "marker")).toBeUndefined();
  });
});
