/**
 * actions/checkout's options through a real runner and git: the runner has fetched one commit
 * already; fetch-depth, fetch-tags and ref ask for more, and what cannot be honoured is named.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { commitFiles, git } from "../../helpers/git-repo.ts";
import { openStepsHarness, type StepsHarness } from "../steps-support.ts";

let h: StepsHarness;
let head: string;
let older: string;

beforeAll(async () => {
  h = await openStepsHarness({ "README.md": "one\n" });
  await git(h.repoDir, ["tag", "v1.0.0"]);
  older = await commitFiles(h.repoDir, { "README.md": "two\n" });
  await git(h.repoDir, ["branch", "release", older]);
  head = await commitFiles(h.repoDir, { "README.md": "three\n" });
});

afterAll(async () => {
  await h?.close();
});

function job(steps: { name: string; uses?: string; run?: string; with?: Record<string, string> }[]) {
  return { sha: head, checkout: { cloneUrl: `file://${h.repoDir}`, sha: head }, steps };
}

const count = { name: "count", run: 'echo "commits=$(git rev-list --count HEAD) tags=$(git tag | tr "\\n" " ") readme=$(cat README.md)"' };

it("starts from one commit, and fetch-depth: 0 brings all history and tags", async () => {
  const shallow = await h.runJob(job([{ name: "checkout", uses: "actions/checkout@v4" }, count]));
  expect(shallow.log).toContain("commits=1 tags= readme=three");
  const full = await h.runJob(job([{ name: "checkout", uses: "actions/checkout@v4", with: { "fetch-depth": "0" } }, count]));
  expect(full.completed.conclusion).toBe("success");
  expect(full.log).toContain("commits=3 tags=v1.0.0  readme=three");
});

it("checks out another ref when asked, and accepts the options that change nothing here", async () => {
  const run = await h.runJob(job([{ name: "checkout", uses: "actions/checkout@v4", with: { ref: "release", "persist-credentials": "false", clean: "true" } }, count]));
  expect(run.completed.conclusion).toBe("success");
  expect(run.log).toContain("readme=two");
});

it("names the options it cannot honour instead of ignoring them", async () => {
  const run = await h.runJob(job([{ name: "checkout", uses: "actions/checkout@v4", with: { path: "sub", submodules: "recursive", lfs: "false" } }, count]));
  expect(run.completed.conclusion).toBe("failure");
  expect(run.completed.message).toContain("actions/checkout: `with: path, submodules` is not supported yet");
  expect(run.results).toEqual([["failure", "failure"], ["skipped", "skipped"]]);
});
