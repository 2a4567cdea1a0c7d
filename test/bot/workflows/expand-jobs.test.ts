import { describe, expect, it } from "vitest";
import { expandJobs } from "../../../bot/workflows/expand-jobs.ts";
import type { PlanContexts } from "../../../bot/workflows/expand-level.ts";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";
import { matrixJob } from "./support.ts";

const CONTEXTS: PlanContexts = {
  github: { ref: "refs/heads/main", event_name: "push" },
  vars: { MATRIX: '{"os":["a","b"],"include":[{"os":"c"}]}', EXTRA: '[{"n":3}]' },
  inputs: {},
};

async function expand(jobs: string, contexts: PlanContexts = CONTEXTS) {
  const result = await parseWorkflow("ci.yml", `on: push\njobs:\n${jobs}`);
  if (!result.ok) throw new Error(JSON.stringify(result.reason));
  return expandJobs(result.value, contexts);
}

describe("expandJobs", () => {
  it("makes one job per leg, named and keyed as GitHub names them, with its labels", async () => {
    const { jobs, problems } = await expand(`  build:
    runs-on: [self-hosted, "\${{ matrix.os }}"]
    strategy:
      matrix:
        os: [ubuntu, macos, windows]
        node: [18, 20]
        exclude: [{ os: windows, node: 18 }]
    steps: [{ run: x }]
  test:
    name: Test on \${{ github.ref }}
    needs: build
    runs-on: linux
    steps: [{ run: x }]
`);
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.name, j.runsOn])).toEqual([
      ["build (ubuntu, 18)", "build (ubuntu, 18)", ["self-hosted", "ubuntu"]],
      ["build (ubuntu, 20)", "build (ubuntu, 20)", ["self-hosted", "ubuntu"]],
      ["build (macos, 18)", "build (macos, 18)", ["self-hosted", "macos"]],
      ["build (macos, 20)", "build (macos, 20)", ["self-hosted", "macos"]],
      ["build (windows, 20)", "build (windows, 20)", ["self-hosted", "windows"]],
      ["test", "Test on refs/heads/main", ["linux"]],
    ]);
    expect(jobs[4]).toMatchObject({
      jobId: "build",
      matrix: { os: "windows", node: 20 },
      strategy: { "fail-fast": true, "job-index": 4, "job-total": 5, "max-parallel": 5 },
    });
    expect(jobs[5]).toMatchObject({
      matrix: null,
      strategy: { "fail-fast": true, "job-index": 0, "job-total": 1, "max-parallel": 1 },
    });
  });

  it("evaluates a name with a template per leg, a list-valued label into several labels, and the strategy context", async () => {
    const { jobs } = await expand(`  build:
    name: Build \${{ matrix.os.name }} (\${{ strategy.job-index }}/\${{ strategy.job-total }})
    runs-on: \${{ matrix.os.labels }}
    continue-on-error: \${{ matrix.os.name == 'b' }}
    strategy:
      fail-fast: false
      max-parallel: 1
      matrix:
        os: [{ name: a, labels: [linux, x64] }, { name: b, labels: [linux, arm64] }]
    steps: [{ run: x }]
`);
    expect(jobs.map((j) => [j.key, j.name, j.runsOn, j.job.continueOnError])).toEqual([
      ['build ({"name":"a","labels":["linux","x64"]})', "Build a (0/2)", ["linux", "x64"], false],
      ['build ({"name":"b","labels":["linux","arm64"]})', "Build b (1/2)", ["linux", "arm64"], true],
    ]);
    expect(jobs[1]!.strategy).toEqual({ "fail-fast": false, "job-index": 1, "job-total": 2, "max-parallel": 1 });
  });

  it("evaluates a matrix given as fromJSON(...) and one holding expressions", async () => {
    const { jobs, problems } = await expand(
      matrixJob("a", " ${{ fromJSON(vars.MATRIX) }}") +
        matrixJob(
          "b",
          "\n        n: ${{ fromJSON('[1, 2]') }}\n        include:\n          - ${{ fromJSON(vars.EXTRA) }}",
        ),
    );
    expect(problems).toEqual([]);
    expect(jobs.map((j) => j.key)).toEqual(["a (a)", "a (b)", "a (c)", "b (1)", "b (2)", "b (3)"]);
  });

  it("names what it cannot evaluate, by job", async () => {
    const { problems } = await expand(
      matrixJob("a", " ${{ fromJSON(vars.NOPE) }}") +
        matrixJob("b", "\n        v: ${{ fromJSON(needs.a.outputs.versions) }}"),
    );
    expect(problems).toEqual([
      { line: 3, column: 3, message: expect.stringMatching(/^job "a": the matrix cannot be evaluated: /) },
      {
        line: 8,
        column: 3,
        message:
          'job "b": `strategy.matrix: ${{ needs.… }}` is not supported by Flotilla: a job\'s matrix and strategy are decided when the run is planned, before any job has outputs',
      },
    ]);
  });

  it("per job, plans a job it cannot evaluate or run as refused and the others as usual", async () => {
    const result = await parseWorkflow(
      "ci.yml",
      `on: push\njobs:\n${matrixJob("a", " ${{ fromJSON(vars.NOPE) }}")}${matrixJob("b", "\n        v: ${{ fromJSON(needs.a.outputs.versions) }}")}  c:\n    runs-on: x\n    container: node:20\n    steps: [{ run: x }]\n  d:\n    needs: [a, c]\n    runs-on: x\n    steps: [{ run: x }]\n`,
      { perJob: true },
    );
    if (!result.ok) throw new Error(JSON.stringify(result.reason));
    const { jobs, problems } = expandJobs(result.value, CONTEXTS, { perJob: true });
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.refusal?.split(":")[0], j.job.needs])).toEqual([
      ["a", "the matrix cannot be evaluated", []],
      ["b", "`strategy.matrix", []],
      ["c", "`container` is not supported by Flotilla", []],
      ["d", undefined, ["a", "c"]],
    ]);
  });

  it("keeps text that reads an unknown github context as written (flotilla validate)", async () => {
    const { jobs, problems } = await expand(
      "  a:\n    name: On ${{ github.ref }}\n    runs-on: ${{ github.event.x }}\n    steps: [{ run: x }]\n",
      { github: {}, vars: {}, inputs: {} },
    );
    expect(problems).toEqual([]);
    expect(jobs[0]).toMatchObject({ name: "On ${{ github.ref }}", runsOn: ["${{ github.event.x }}"] });
  });

  it("reports needs to a missing job and cycles with GitHub's messages", () => {
    const job = (key: string, needs: string[]) => ({
      key,
      name: key,
      needs,
      if: "success()",
      runsOn: ["x"],
      env: {},
      defaults: {},
      timeoutMinutes: 1,
      continueOnError: false,
      outputs: {},
      steps: [],
      position: { line: 2, column: 3 },
    });
    const workflow = {
      path: "ci.yml",
      name: "ci",
      on: { other: [] },
      env: {},
      defaults: {},
      jobs: [job("a", []), job("b", ["nope"]), job("c", ["d"]), job("d", ["c"])],
    };
    expect(expandJobs(workflow, CONTEXTS).problems.map((p) => p.message)).toEqual([
      "Job 'b' depends on unknown job 'nope'.",
      "Job 'c' depends on job 'd' which creates a cycle in the dependency graph.",
      "Job 'd' depends on job 'c' which creates a cycle in the dependency graph.",
    ]);
  });
});
