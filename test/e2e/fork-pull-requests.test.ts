/**
 * Pull requests from forks, end to end, as GitHub Actions runs them: jobs at the test merge of
 * the head into the base (`refs/pull/N/merge`), fetched from the base repository with its
 * read-only clone token — so a private fork the app is not installed on runs too — while the
 * check runs and statuses are on the head. Real bot, NATS, Postgres, runners and git (the
 * runner's mirror and the plain checkout), fake GitHub over HTTP.
 */
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { INSTALLATION_ID, startFlotilla, type Flotilla } from "../helpers/flotilla.ts";
import { cloneRepo, commitFiles } from "../helpers/git-repo.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { pullRequestPayload } from "../helpers/webhooks.ts";

let f: Flotilla;
const scratch = scratchDir("flotilla-e2e-forks-");

beforeAll(async () => {
  f = await startFlotilla();
  await f.startRunner({ name: "mirrored" });
  await f.startRunner({ name: "plain", labels: ["plain-checkout"], config: { gitMirror: false } });
});

afterAll(async () => {
  await f?.close();
});

/** What a job prints about where it runs: GitHub's variables, its contexts and the tree it got. */
const LOOK = `
      - run: |
          echo "env sha=$GITHUB_SHA ref=$GITHUB_REF name=$GITHUB_REF_NAME head=$GITHUB_HEAD_REF base=$GITHUB_BASE_REF"
          echo "ctx sha=\${{ github.sha }} ref=\${{ github.ref }} head=\${{ github.head_ref }} base=\${{ github.base_ref }}"
          echo "tree HEAD=$(git rev-parse HEAD) parents=$(git cat-file -p HEAD | sed -n 's/^parent //p' | paste -sd' ' -) pull=$(git rev-parse refs/remotes/pull/7/merge)"
          echo "files fork=[$(cat fork.txt)] base=[$(cat later.txt)]"`;

const WORKFLOW = `on: pull_request
jobs:
  mirrored:
    runs-on: self-hosted
    steps:${LOOK}
      - uses: actions/checkout@v4
        with:
          ref: \${{ github.event.pull_request.head.sha }}
          path: head
      - run: echo "head checkout fork=[$(cat head/fork.txt)] base=[$(cat head/later.txt 2>/dev/null)]"
  plain:
    runs-on: [self-hosted, plain-checkout]
    steps:${LOOK}
`;

function completed(name: string, sha: string) {
  return f.fake.waitForCheckRun(name, (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 45_000,
  });
}

const text = (run: CheckRunRecord) => (run.run.output as { text: string }).text;
const pullReads = () => f.fake.requests.filter((r) => r.path === "/api/v3/repos/acme/upstream/pulls/7").length;

describe("a pull request from a private fork the app cannot read", () => {
  let forkDir: string;
  let firstHead: string;
  let firstMerge: string;

  it("runs at the test merge, fetched from the base repository with the base's read-only token", async () => {
    const base = await f.repository("acme", "upstream", {
      "README.md": "upstream\n",
      ".flotilla/workflows/ci.yml": WORKFLOW,
    });
    forkDir = await cloneRepo(base.dir, join(scratch(), "fork"));
    firstHead = await commitFiles(forkDir, { "fork.txt": "from the fork\n" }, "Fork change");
    // Another installation, private: no token Flotilla holds can read it.
    const fork = await f.fake.addRepository({
      owner: "contributor",
      name: "upstream",
      dir: forkDir,
      private: true,
      installationId: 99,
    });
    // The base moves on after the fork: the merge has both, the head only the fork's change.
    await commitFiles(base.dir, { "later.txt": "base moved on\n" }, "Later on main");
    // Its author can write to the base: the fork's PR runs without approval (docs/commands.md).
    f.fake.setPermission(base.repo, "contributor", "write");
    const pr = await f.fake.openPullRequest(base.repo, {
      number: 7,
      headSha: firstHead,
      headRef: "feature",
      headRepo: fork,
      headDir: forkDir,
    });
    const merge = pr.mergeCommitSha!;
    firstMerge = merge;
    const clonesBefore = f.fake.clones.length;
    // As GitHub sends `opened`: merge_commit_sha null, the merge not made yet as far as the payload knows.
    const payload = pullRequestPayload(base.repo, {
      action: "opened",
      number: 7,
      headSha: firstHead,
      headRef: "feature",
      headRepo: fork,
      installationId: INSTALLATION_ID,
    });
    expect((await f.deliver("pull_request", payload)).status).toBe(202);

    // The check runs are on the head, as GitHub's are; nothing is put on the merge commit.
    const [mirrored, plain] = [await completed("mirrored", firstHead), await completed("plain", firstHead)];
    for (const run of [mirrored, plain]) {
      expect(run.repo).toBe("acme/upstream");
      expect(run.run.conclusion).toBe("success");
      const log = text(run);
      expect(log).toContain(`env sha=${merge} ref=refs/pull/7/merge name=7/merge head=feature base=main`);
      expect(log).toContain(`ctx sha=${merge} ref=refs/pull/7/merge head=feature base=main`);
      expect(log).toContain(`tree HEAD=${merge} parents=${pr.baseSha} ${firstHead} pull=${merge}`);
      // The fork's change and the base's latest commit.
      expect(log).toContain("files fork=[from the fork] base=[base moved on]");
    }
    // actions/checkout with the head's SHA gets it from the base repository too.
    expect(text(mirrored)).toContain("head checkout fork=[from the fork] base=[]");
    expect(f.fake.checkRuns.filter((r) => r.run.head_sha === merge)).toEqual([]);
    const status = await f.fake.waitFor(() =>
      f.fake.statuses.find((s) => s.sha === firstHead && s.status.state !== "pending"),
    );
    expect([status.repo, status.status.state]).toEqual(["acme/upstream", "success"]);

    // Both runners fetched from the base repository, never the fork, with a token that can
    // only read the base's contents; none was asked for the fork.
    const clones = f.fake.clones.slice(clonesBefore);
    expect(clones.map((c) => [c.repo, c.status])).toEqual(clones.map(() => ["acme/upstream", 200]));
    expect(clones.length).toBeGreaterThanOrEqual(2);
    for (const clone of clones) {
      const token = f.fake.tokens.find((t) => t.token === clone.token);
      expect(token).toMatchObject({
        installationId: INSTALLATION_ID,
        repositories: ["acme/upstream"],
        permissions: { contents: "read" },
        requested: { repositories: ["upstream"], permissions: { contents: "read" } },
      });
    }
    expect(f.fake.clones.filter((c) => c.repo === "contributor/upstream")).toEqual([]);
    expect(
      f.fake.tokens.filter((t) => t.installationId === 99 || t.repositories?.includes("contributor/upstream")),
    ).toEqual([]);
    // One API call found the merge: the pull request itself.
    expect(pullReads()).toBe(1);
    expect(f.fake.invalidRequests).toEqual([]);
  });

  it("runs a push to it at the new head's merge, once GitHub has made it, whatever the payload says", async () => {
    const head = await commitFiles(forkDir, { "fork.txt": "pushed again\n" }, "Second push");
    // GitHub answers `mergeable: null` twice while it merges; the planner asks again after a back-off.
    const pr = await f.fake.openPullRequest("acme/upstream", {
      number: 7,
      headSha: head,
      headRef: "feature",
      headRepo: f.fake.repository("contributor/upstream"),
      headDir: forkDir,
      pendingReads: 2,
    });
    const readsBefore = pullReads();
    const payload = pullRequestPayload(f.fake.repository("acme/upstream")!, {
      action: "synchronize",
      number: 7,
      headSha: head,
      before: firstHead,
      headRef: "feature",
      headRepo: f.fake.repository("contributor/upstream"),
      installationId: INSTALLATION_ID,
      // As GitHub's synchronize payloads often do: the previous head's merge.
      mergeCommitSha: firstMerge,
    });
    expect((await f.deliver("pull_request", payload)).status).toBe(202);
    const run = await completed("plain", head);
    expect(run.run.conclusion).toBe("success");
    expect(text(run)).toContain(`env sha=${pr.mergeCommitSha} ref=refs/pull/7/merge`);
    expect(text(run)).toContain("files fork=[pushed again] base=[base moved on]");
    expect(pr.mergeCommitSha).not.toBe(firstMerge);
    expect(pullReads() - readsBefore).toBe(3);
  });
});

describe("a pull request that conflicts with its base", () => {
  it("runs nothing, and says so in one check run on the head", async () => {
    const base = await f.repository("acme", "clash", {
      "README.md": "one\n",
      ".flotilla/workflows/ci.yml": `on: pull_request\njobs:\n  never:\n    runs-on: self-hosted\n    steps:\n      - run: echo never\n`,
    });
    const forkDir = await cloneRepo(base.dir, join(scratch(), "clash-fork"));
    const head = await commitFiles(forkDir, { "README.md": "the fork's one\n" }, "Fork README");
    const fork = await f.fake.addRepository({ owner: "someone", name: "clash", dir: forkDir, installationId: 99 });
    await commitFiles(base.dir, { "README.md": "the base's one\n" }, "Base README");
    const pr = await f.fake.openPullRequest(base.repo, {
      number: 3,
      headSha: head,
      headRef: "readme",
      headRepo: fork,
      headDir: forkDir,
    });
    expect(pr.mergeable).toBe(false);
    const payload = pullRequestPayload(base.repo, {
      action: "opened",
      number: 3,
      headSha: head,
      headRef: "readme",
      headRepo: fork,
      installationId: INSTALLATION_ID,
    });
    expect((await f.deliver("pull_request", payload)).status).toBe(202);
    const check = await completed("flotilla: test merge", head);
    expect(check.run.conclusion).toBe("neutral");
    expect(check.run.output).toMatchObject({ title: "Not run: this pull request has conflicts with main" });
    expect(String(check.run.details_url)).toBe(`${f.fake.url}/acme/clash/pull/3`);
    expect(f.fake.checkRuns.filter((r) => r.run.head_sha === head).map((r) => r.run.name)).toEqual([
      "flotilla: test merge",
    ]);
    const rows = await f.bot.db.db.execute(sql`select count(*)::int as n from runs where repository = 'acme/clash'`);
    expect(
      (rows as unknown as { n: number }[])[0]?.n ?? (rows as unknown as { rows: { n: number }[] }).rows[0]?.n,
    ).toBe(0);
    expect(f.fake.clones.filter((c) => c.repo.endsWith("/clash"))).toEqual([]);
  });
});
