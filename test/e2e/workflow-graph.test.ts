/**
 * Workflows with a job graph, end to end: needs, if, outputs across needs, matrices,
 * max-parallel, annotations and step summaries — as a GitHub Actions user would see them in
 * check runs.
 */
import { join } from "node:path";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { jobs } from "../../db/schema.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import { pushPayload } from "../helpers/webhooks.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-graph-");

const f = flotillaSuite({
  runners: [
    { name: "one", labels: ["big"] },
    { name: "two", labels: ["big"] },
  ],
});

async function pushWorkflow(name: string, workflow: string) {
  const { sha } = await f.pushRepository("acme", name, {
    "README.md": "x\n",
    "src/a.js": "one\ntwo\nthree\n",
    ".flotilla/workflows/ci.yml": workflow,
  });
  return sha;
}

describe("needs", () => {
  it("skips what follows a failed job unless its if says always() or failure()", async () => {
    const sha = await pushWorkflow(
      "chain",
      `name: Chain
on: push
jobs:
  first:
    runs-on: self-hosted
    steps: [{ run: echo first }]
  middle:
    needs: first
    runs-on: self-hosted
    steps: [{ run: exit 1 }]
  last:
    needs: middle
    runs-on: self-hosted
    steps: [{ run: echo never }]
  cleanup:
    needs: [first, middle]
    if: always()
    runs-on: self-hosted
    steps:
      - run: echo "cleaning up after \${{ needs.middle.result }}"
  report:
    needs: middle
    if: failure()
    runs-on: self-hosted
    steps: [{ run: echo reporting }]
`,
    );
    const [first, middle, last, cleanup, report] = await f.finished(sha, [
      "first",
      "middle",
      "last",
      "cleanup",
      "report",
    ]);
    expect([first, middle, last, cleanup, report].map((r) => r.run.conclusion)).toEqual([
      "success",
      "failure",
      "skipped",
      "success",
      "success",
    ]);
    expect((cleanup.run.output as { text: string }).text).toContain("cleaning up after failure");
    // Skipped without ever running: created, then completed.
    expect(last.history.map((h) => h.body.status ?? "")).toEqual(["queued", "completed"]);
    const status = await f.finalStatus(sha);
    expect(status.status.state).toBe("failure");
  });

  it("continue-on-error on a job: it shows failed, yet what needs it runs and the run succeeds", async () => {
    const sha = await pushWorkflow(
      "tolerated",
      `name: Tolerated
on: push
jobs:
  flaky:
    continue-on-error: true
    runs-on: self-hosted
    steps: [{ run: exit 1 }]
  after:
    needs: flaky
    runs-on: self-hosted
    steps:
      - run: echo "flaky ended \${{ needs.flaky.result }}"
`,
    );
    const [flaky, after] = await f.finished(sha, ["flaky", "after"]);
    expect(flaky.run.conclusion).toBe("failure");
    expect(after.run.conclusion).toBe("success");
    expect((after.run.output as { text: string }).text).toContain("flaky ended success");
    const status = await f.finalStatus(sha);
    expect(status.status.state).toBe("success");
  });

  it("passes outputs from one job to the jobs that need it", async () => {
    const sha = await pushWorkflow(
      "outputs",
      `on: push
jobs:
  produce:
    runs-on: self-hosted
    outputs:
      version: \${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: echo "version=1.2.3" >> "$GITHUB_OUTPUT"
  consume:
    needs: produce
    runs-on: self-hosted
    steps:
      - run: echo "building \${{ needs.produce.outputs.version }}"
  only-for-two:
    needs: produce
    if: needs.produce.outputs.version == '2.0.0'
    runs-on: self-hosted
    steps: [{ run: echo no }]
`,
    );
    const [consume, onlyForTwo] = await f.finished(sha, ["consume", "only-for-two"]);
    expect((consume.run.output as { text: string }).text).toContain("building 1.2.3");
    expect(onlyForTwo.run.conclusion).toBe("skipped");
    const [row] = await f.bot.db.db.select().from(jobs).where(eq(jobs.jobKey, "produce"));
    expect(row?.outputs).toEqual({ version: "1.2.3" });
  });
});

describe("matrix", () => {
  it("runs a 3×2 matrix with one exclude as five jobs named like GitHub's", async () => {
    const sha = await pushWorkflow(
      "matrix",
      `on: push
jobs:
  test:
    runs-on: [self-hosted, "\${{ matrix.size }}"]
    strategy:
      matrix:
        node: [18, 20, 22]
        size: [big, self-hosted]
        exclude:
          - node: 18
            size: self-hosted
    steps:
      - run: echo "node \${{ matrix.node }} on \${{ matrix.size }} leg \${{ strategy.job-index }}/\${{ strategy.job-total }}"
`,
    );
    const names = [
      "test (18, big)",
      "test (20, big)",
      "test (20, self-hosted)",
      "test (22, big)",
      "test (22, self-hosted)",
    ];
    const runs = await f.finished(sha, names);
    expect(runs.map((r) => r.run.conclusion)).toEqual(Array(5).fill("success"));
    expect((runs[2]!.run.output as { text: string }).text).toContain("node 20 on self-hosted leg 2/5");
    expect(f.fake.checkRuns.filter((r) => r.run.head_sha === sha)).toHaveLength(5);
  });

  it("runs at most max-parallel legs at once", async () => {
    const sha = await pushWorkflow(
      "serial",
      `on: push
jobs:
  leg:
    runs-on: self-hosted
    strategy:
      max-parallel: 1
      matrix:
        n: [1, 2, 3]
    steps:
      - run: sleep 0.3
`,
    );
    await f.finished(sha, ["leg (1)", "leg (2)", "leg (3)"]);
    // The final status is posted after the last job's row is written.
    await f.finalStatus(sha);
    const rows = await f.bot.db.db.select().from(jobs).where(eq(jobs.jobId, "leg")).orderBy(asc(jobs.startedAt));
    const spans = rows
      .filter((r) => r.runId === rows[0]!.runId)
      .map((r) => [r.startedAt!.getTime(), r.completedAt!.getTime()] as const);
    expect(spans).toHaveLength(3);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });
});

describe("what steps tell the check run", () => {
  it("turns ::error into an annotation and GITHUB_STEP_SUMMARY into the summary", async () => {
    const sha = await pushWorkflow(
      "annotated",
      `on: push
jobs:
  lint:
    runs-on: self-hosted
    steps:
      - run: |
          echo "::error file=src/a.js,line=3,title=Lint::three is not allowed"
          echo "::warning::a general warning"
          echo "### Lint report" >> "$GITHUB_STEP_SUMMARY"
          echo "1 error" >> "$GITHUB_STEP_SUMMARY"
  only-on-prs:
    if: github.event_name == 'pull_request'
    runs-on: self-hosted
    steps: [{ run: echo no }]
`,
    );
    const [lint, prOnly] = await f.finished(sha, ["lint", "only-on-prs"]);
    expect(prOnly.run.conclusion).toBe("skipped");
    expect(lint.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: "src/a.js",
          start_line: 3,
          annotation_level: "failure",
          title: "Lint",
          message: "three is not allowed",
        }),
        expect.objectContaining({
          path: ".flotilla/workflows/ci.yml",
          annotation_level: "warning",
          message: "a general warning",
        }),
      ]),
    );
    expect((lint.run.output as { summary: string }).summary).toContain("### Lint report\n1 error");
  });
});

describe("pull_request paths filters", () => {
  it("runs only the workflows whose paths the pull request touches", async () => {
    const { git, commitFiles } = await import("../helpers/git-repo.ts");
    const dir = join(scratch(), "paths");
    const on = (filter: string) =>
      `on:\n  pull_request:\n    ${filter}\njobs:\n  check:\n    name: \${{ github.workflow }}\n    runs-on: self-hosted\n    steps:\n      - run: echo checked\n`;
    await createRepo(dir, { "README.md": "x\n", "src/app.js": "1\n", "docs/index.md": "docs\n" });
    // Added while main is checked out: main is the default branch, the pull request's base.
    const repo = await f.fake.addRepository({
      owner: "acme",
      name: "paths",
      dir,
      private: true,
      installationId: INSTALLATION_ID,
    });
    await git(dir, ["checkout", "-q", "-b", "feature"]);
    const headSha = await commitFiles(dir, {
      "src/app.js": "2\n",
      ".flotilla/workflows/src.yml": `name: src\n${on("paths: ['src/**']")}`,
      ".flotilla/workflows/docs.yml": `name: docs\n${on("paths: ['docs/**']")}`,
      ".flotilla/workflows/not-docs.yml": `name: not-docs\n${on("paths-ignore: ['docs/**']")}`,
    });
    await f.fake.openPullRequest(repo, { number: 9, headSha, headRef: "feature" });
    const { pullRequestPayload } = await import("../helpers/webhooks.ts");
    const answer = await f.deliver(
      "pull_request",
      pullRequestPayload(repo, {
        action: "synchronize",
        number: 9,
        headSha,
        headRef: "feature",
        installationId: INSTALLATION_ID,
      }),
    );
    expect(answer.status).toBe(202);
    const [src, notDocs] = await f.finished(headSha, ["src", "not-docs"]);
    expect([src.run.conclusion, notDocs.run.conclusion]).toEqual(["success", "success"]);
    // The planner asked GitHub for the pull request's files once, and docs.yml never started.
    expect(f.fake.requests.filter((r) => r.path.startsWith("/api/v3/repos/acme/paths/pulls/9/files"))).toHaveLength(1);
    expect(f.checkRunNames(headSha)).toEqual(["not-docs", "src"]);
  });
});

describe("cancelling", () => {
  it("fail-fast: a failed matrix leg cancels the legs still queued or running", async () => {
    // The failing leg has a runner of its own, so it cannot wait behind its sleeping siblings.
    await f.startRunner({ name: "quick", labels: ["quick"] });
    const sha = await pushWorkflow(
      "failfast",
      `on: push
jobs:
  leg:
    runs-on: [self-hosted, "\${{ matrix.n == 1 && 'quick' || 'big' }}"]
    strategy:
      matrix:
        n: [1, 2, 3]
    steps:
      - run: if [ "\${{ matrix.n }}" = 1 ]; then exit 1; else sleep 60; fi
  tolerant:
    runs-on: self-hosted
    strategy:
      fail-fast: false
      matrix:
        n: [1, 2]
    steps:
      - run: if [ "\${{ matrix.n }}" = 1 ]; then exit 1; fi
`,
    );
    const [one, two, three, t1, t2] = await f.finished(sha, [
      "leg (1)",
      "leg (2)",
      "leg (3)",
      "tolerant (1)",
      "tolerant (2)",
    ]);
    expect([one, two, three].map((r) => r.run.conclusion)).toEqual(["failure", "cancelled", "cancelled"]);
    expect((two.run.output as { title: string }).title).toBe("Cancelled: fail-fast: leg (1) failed");
    expect([t1.run.conclusion, t2.run.conclusion]).toEqual(["failure", "success"]);
  });

  it("concurrency with cancel-in-progress: a newer push cancels the older run of the group", async () => {
    const { commitFiles } = await import("../helpers/git-repo.ts");
    const dir = join(scratch(), "concurrency");
    const workflow = `name: Deploy
on: push
concurrency:
  group: deploy-\${{ github.ref }}
  cancel-in-progress: true
jobs:
  deploy:
    runs-on: self-hosted
    steps:
      - run: sleep "$(cat delay)"
`;
    const { sha: first } = await createRepo(dir, { delay: "60\n", ".flotilla/workflows/deploy.yml": workflow });
    const repo = await f.fake.addRepository({
      owner: "acme",
      name: "concurrency",
      dir,
      private: true,
      installationId: INSTALLATION_ID,
    });
    await f.deliver("push", pushPayload(repo, { sha: first, installationId: INSTALLATION_ID }));
    await f.fake.waitForCheckRun("deploy", (r) => r.run.head_sha === first && r.run.status === "in_progress", {
      timeoutMs: 30_000,
    });
    const second = await commitFiles(dir, { delay: "0\n" });
    await f.deliver("push", pushPayload(repo, { sha: second, before: first, installationId: INSTALLATION_ID }));
    const [older] = await f.finished(first, ["deploy"]);
    const [newer] = await f.finished(second, ["deploy"]);
    expect(older.run.conclusion).toBe("cancelled");
    expect((older.run.output as { title: string }).title).toBe(
      `Superseded by ${second.slice(0, 7)}: a newer run of concurrency group "deploy-refs/heads/main" started (Deploy #2)`,
    );
    expect(newer.run.conclusion).toBe("success");
    const olderStatus = await f.finalStatus(first);
    expect(olderStatus.status.state).toBe("failure");
  });
});
