/**
 * actions/checkout's options through a real runner and git: the runner has fetched one commit
 * already; path moves it, fetch-depth, fetch-tags, ref and submodules ask for more, and what
 * cannot be honoured is named.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { commitFiles, createRepo, git } from "../../../helpers/git-repo.ts";
import { stepsSuite } from "../../steps-support.ts";

let head: string;
let older: string;

const h = stepsSuite(
  { "README.md": "one\n" },
  {
    async setUp({ repoDir }) {
      await git(repoDir, ["tag", "v1.0.0"]);
      older = await commitFiles(repoDir, { "README.md": "two\n" });
      await git(repoDir, ["branch", "release", older]);
      head = await commitFiles(repoDir, { "README.md": "three\n" });
    },
  },
);

function job(steps: { name: string; uses?: string; run?: string; with?: Record<string, string> }[], sha = head) {
  return { sha, checkout: { cloneUrl: `file://${h.repoDir}`, sha }, steps };
}

const count = {
  name: "count",
  run: 'echo "commits=$(git rev-list --count HEAD) tags=$(git tag | tr "\\n" " ") readme=$(cat README.md)"',
};

it("starts from one commit, and fetch-depth: 0 brings all history and tags", async () => {
  const shallow = await h.runJob(job([{ name: "checkout", uses: "actions/checkout@v4" }, count]));
  expect(shallow.log).toContain("commits=1 tags= readme=three");
  const full = await h.runJob(
    job([{ name: "checkout", uses: "actions/checkout@v4", with: { "fetch-depth": "0" } }, count]),
  );
  expect(full.completed.conclusion).toBe("success");
  expect(full.log).toContain("commits=3 tags=v1.0.0  readme=three");
});

it("checks out another ref when asked, and accepts the options that change nothing here", async () => {
  const run = await h.runJob(
    job([
      {
        name: "checkout",
        uses: "actions/checkout@v4",
        with: { ref: "release", "persist-credentials": "false", clean: "true" },
      },
      count,
    ]),
  );
  expect(run.completed.conclusion).toBe("success");
  expect(run.log).toContain("readme=two");
});

it("checks out under path instead of the workspace root, and applies ref and fetch-depth there", async () => {
  const where = {
    name: "where",
    run: 'echo "root=[$(ls -A | tr "\\n" " ")] sub=$(cat sub/README.md) head=$(git -C sub rev-parse HEAD) commits=$(git -C sub rev-list --count HEAD)"',
  };
  const run = await h.runJob(job([{ name: "checkout", uses: "actions/checkout@v4", with: { path: "sub" } }, where]));
  expect(run.completed.conclusion).toBe("success");
  expect(run.log).toContain(`root=[sub ] sub=three head=${head} commits=1`);

  const nested = await h.runJob(
    job([
      { name: "checkout", uses: "actions/checkout@v4", with: { path: "deep/er", ref: "release", "fetch-depth": "0" } },
      {
        name: "where",
        run: 'echo "readme=$(cat deep/er/README.md) commits=$(git -C deep/er rev-list --count HEAD) rootgit=$(test -e .git && echo yes || echo no)"',
      },
    ]),
  );
  expect(nested.completed.conclusion).toBe("success");
  expect(nested.log).toContain("readme=two commits=2 rootgit=no");
});

it("fetches afresh into a second path once the first checkout moved the repository away", async () => {
  const run = await h.runJob(
    job([
      { name: "first", uses: "actions/checkout@v4", with: { path: "a" } },
      { name: "second", uses: "actions/checkout@v4", with: { path: "b" } },
      { name: "both", run: 'echo "a=$(cat a/README.md) b=$(cat b/README.md) bhead=$(git -C b rev-parse HEAD)"' },
    ]),
  );
  expect(run.completed.conclusion).toBe("success");
  expect(run.log).toContain(`a=three b=three bhead=${head}`);
});

it("runs a pull request at its merge ref, and fetches the head or another path from the same repository", async () => {
  // As GitHub keeps a pull request in the base repository: its head and its test merge, on no branch.
  await git(h.repoDir, ["checkout", "-q", "-b", "pr-head", head]);
  const prHead = await commitFiles(h.repoDir, { "PR.md": "from the pull request\n" }, "PR change");
  await git(h.repoDir, ["checkout", "-q", "--detach", "main"]);
  await git(h.repoDir, ["merge", "-q", "--no-ff", "-m", "Merge pr-head into main", "pr-head"]);
  const merge = await git(h.repoDir, ["rev-parse", "HEAD"]);
  await git(h.repoDir, ["update-ref", "refs/pull/7/head", prHead]);
  await git(h.repoDir, ["update-ref", "refs/pull/7/merge", merge]);
  await git(h.repoDir, ["checkout", "-q", "main"]);
  await git(h.repoDir, ["branch", "-q", "-D", "pr-head"]);

  const ref = "refs/pull/7/merge";
  const pull = (steps: Parameters<typeof job>[0]) => ({
    ...job(steps, merge),
    ref,
    checkout: { cloneUrl: `file://${h.repoDir}`, sha: merge, ref },
  });
  const look = (dir: string) => ({
    name: `look ${dir}`,
    run: `echo "${dir}: head=$(git -C ${dir} rev-parse HEAD) merge=$(git -C ${dir} rev-parse --verify -q refs/remotes/pull/7/merge) pr=$(cat ${dir}/PR.md) commits=$(git -C ${dir} rev-list --count HEAD)"`,
  });
  const run = await h.runJob(
    pull([
      { name: "checkout", uses: "actions/checkout@v4" },
      look("."),
      { name: "head", uses: "actions/checkout@v4", with: { path: "head", ref: "refs/pull/7/head" } },
      look("head"),
      { name: "again", uses: "actions/checkout@v4", with: { path: "again", "fetch-depth": "0" } },
      look("again"),
    ]),
  );
  expect(run.completed.conclusion).toBe("success");
  expect(run.log).toContain(`.: head=${merge} merge=${merge} pr=from the pull request commits=1`);
  expect(run.log).toContain(`already checked out at ${merge}`);
  expect(run.log).toContain(`head: head=${prHead} merge=${merge} pr=from the pull request commits=1`);
  // A fresh checkout elsewhere fetches the merge by its ref again; fetch-depth 0 brings its history.
  expect(run.log).toContain(`again: head=${merge} merge=${merge} pr=from the pull request commits=5`);
});

it("refuses a path outside the workspace, naming it", async () => {
  const run = await h.runJob(
    job([{ name: "checkout", uses: "actions/checkout@v4", with: { path: "../elsewhere" } }, count]),
  );
  expect(run.completed.conclusion).toBe("failure");
  expect(run.completed.message).toContain('actions/checkout: path "../elsewhere" is not under the workspace');
  expect(run.results).toEqual([
    ["failure", "failure"],
    ["skipped", "skipped"],
  ]);
});

it("checks out submodules when asked, and not by default", async () => {
  const parent = await mkdtemp(join(tmpdir(), "flotilla-submodule-"));
  // file:// submodules need protocol.file.allow; given to the runner's git only here, through
  // the process environment's XDG config (the runner passes no GIT_* variable to git).
  const previous = process.env.XDG_CONFIG_HOME;
  try {
    const { dir: libDir, sha: libSha } = await createRepo(join(parent, "lib"), { "LIB.md": "library\n" });
    await git(h.repoDir, ["checkout", "-q", "-b", "with-submodule", head]);
    await git(h.repoDir, [
      "-c",
      "protocol.file.allow=always",
      "submodule",
      "add",
      "-q",
      `file://${libDir}`,
      "vendor/lib",
    ]);
    await git(h.repoDir, ["commit", "-q", "-m", "add a submodule"]);
    const withSub = await git(h.repoDir, ["rev-parse", "HEAD"]);
    await git(h.repoDir, ["checkout", "-q", "main"]);

    const xdg = join(parent, "xdg");
    await mkdir(join(xdg, "git"), { recursive: true });
    await writeFile(join(xdg, "git", "config"), '[protocol "file"]\n\tallow = always\n');
    process.env.XDG_CONFIG_HOME = xdg;

    const look = {
      name: "look",
      run: 'echo "lib=[$(cat vendor/lib/LIB.md 2>/dev/null)] libhead=$(test -e vendor/lib/.git && git -C vendor/lib rev-parse HEAD || echo none)"',
    };
    const without = await h.runJob(
      job([{ name: "checkout", uses: "actions/checkout@v4", with: { submodules: "false" } }, look], withSub),
    );
    expect(without.completed.conclusion).toBe("success");
    expect(without.log).toContain("lib=[] libhead=none");

    const run = await h.runJob(
      job([{ name: "checkout", uses: "actions/checkout@v4", with: { submodules: "true" } }, look], withSub),
    );
    expect(run.completed.conclusion).toBe("success");
    expect(run.log).toContain(`lib=[library] libhead=${libSha}`);

    const moved = await h.runJob(
      job(
        [
          { name: "checkout", uses: "actions/checkout@v4", with: { submodules: "recursive", path: "src" } },
          { name: "look", run: 'echo "lib=[$(cat src/vendor/lib/LIB.md)]"' },
        ],
        withSub,
      ),
    );
    expect(moved.completed.conclusion).toBe("success");
    expect(moved.log).toContain("lib=[library]");
  } finally {
    if (previous === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = previous;
    await rm(parent, { recursive: true, force: true });
  }
});

it("names the options it cannot honour instead of ignoring them", async () => {
  const run = await h.runJob(
    job([
      {
        name: "checkout",
        uses: "actions/checkout@v4",
        with: {
          repository: "octo/other",
          lfs: "true",
          "sparse-checkout": "src",
          filter: "blob:none",
          submodules: "false",
        },
      },
      count,
    ]),
  );
  expect(run.completed.conclusion).toBe("failure");
  expect(run.completed.message).toContain(
    "actions/checkout: `with: repository, lfs, sparse-checkout, filter` is not supported yet",
  );
  expect(run.results).toEqual([
    ["failure", "failure"],
    ["skipped", "skipped"],
  ]);
});
