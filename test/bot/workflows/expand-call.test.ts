/**
 * Reusable workflows from parse to planned jobs: the called workflow's jobs keyed and named
 * `<caller> / <called>`, needs rewritten to their job ids, `with:` checked against
 * `on.workflow_call.inputs`, and every call Flotilla cannot make named at its line. Called files
 * come from an in-memory set of repositories (the forge's part is tested end to end).
 */
import { describe, expect, it } from "vitest";
import { resolveCalls } from "../../../bot/planner/reusable-workflows.ts";
import { expandJobs } from "../../../bot/workflows/expand-jobs.ts";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";
import { BUILD, files, REPO, SHA } from "./support.ts";

const CONTEXTS = { github: { sha: SHA, ref: "refs/heads/main", repository: "acme/app" }, vars: {}, inputs: {} };

async function plan(caller: string, called: Record<string, string>, contexts = CONTEXTS) {
  const parsed = await parseWorkflow(".flotilla/workflows/ci.yml", caller);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reason));
  const local = Object.fromEntries(
    Object.entries(called).map(([key, text]) => [key.includes(":") ? key : `acme/app:${key}@${SHA}`, text]),
  );
  await resolveCalls(parsed.value, files(local), { repo: REPO, ref: SHA });
  return expandJobs(parsed.value, contexts);
}

const CALLER = `on: push
jobs:
  build:
    uses: ./.flotilla/workflows/build.yml
    with: { target: linux }
  publish:
    needs: build
    runs-on: self-hosted
    steps: [{ run: "echo \${{ needs.build.outputs.artifact-name }}" }]
`;

describe("expanding a call", () => {
  it("refuses a called job Flotilla cannot run by itself, keyed and named as its caller's, and runs the others", async () => {
    const called = BUILD.replace(
      "    runs-on: self-hosted\n    outputs:",
      "    runs-on: self-hosted\n    services: { db: { image: postgres } }\n    outputs:",
    );
    const parsed = await parseWorkflow(".flotilla/workflows/ci.yml", CALLER, { perJob: true });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.reason));
    await resolveCalls(
      parsed.value,
      files({ [`acme/app:.flotilla/workflows/build.yml@${SHA}`]: called }),
      { repo: REPO, ref: SHA },
      { perJob: true },
    );
    const { jobs, problems } = expandJobs(parsed.value, CONTEXTS, { perJob: true });
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.jobId, j.refusal?.split(":")[0], j.job.needs])).toEqual([
      ["build / compile", "build/compile", undefined, []],
      ["build / package", "build/package", "`services` is not supported by Flotilla", ["build/compile"]],
      ["publish", "publish", undefined, ["build/compile", "build/package"]],
    ]);
    expect(jobs[1]!.call?.inputs).toEqual({ target: "linux", level: 2, strip: false });
  });

  it("names jobs `<caller> / <called>` and points needs at the called jobs", async () => {
    const { jobs, problems } = await plan(CALLER, { ".flotilla/workflows/build.yml": BUILD });
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.name, j.jobId, j.job.needs])).toEqual([
      ["build / compile", "build / Compile for linux", "build/compile", []],
      ["build / package", "build / package", "build/package", ["build/compile"]],
      ["publish", "publish", "publish", ["build/compile", "build/package"]],
    ]);
    expect(jobs[0]!.runsOn).toEqual(["self-hosted", "linux"]);
    expect(jobs[0]!.call).toEqual({
      inputs: { target: "linux", level: 2, strip: false },
      secrets: {},
      secretChain: [{}],
      outputs: { build: { "artifact-name": "${{ jobs.package.outputs.name }}" } },
    });
    expect(jobs[2]!.call).toBeUndefined();
  });

  it("repeats the called workflow per leg of a matrix on the caller", async () => {
    const caller = `on: push
jobs:
  build:
    name: Build
    strategy: { matrix: { os: [linux, mac], arch: [x64] } }
    uses: ./.flotilla/workflows/build.yml
    with: { target: "\${{ matrix.os }}" }
`;
    const { jobs, problems } = await plan(caller, { ".flotilla/workflows/build.yml": BUILD });
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.name, j.jobId, j.job.needs])).toEqual([
      ["build (linux, x64) / compile", "Build (linux, x64) / Compile for linux", "build (linux, x64)/compile", []],
      [
        "build (linux, x64) / package",
        "Build (linux, x64) / package",
        "build (linux, x64)/package",
        ["build (linux, x64)/compile"],
      ],
      ["build (mac, x64) / compile", "Build (mac, x64) / Compile for mac", "build (mac, x64)/compile", []],
      [
        "build (mac, x64) / package",
        "Build (mac, x64) / package",
        "build (mac, x64)/package",
        ["build (mac, x64)/compile"],
      ],
    ]);
  });

  it("keeps the called jobs' matrix suffixes, and gives the caller's needs and if to the called workflow's first jobs", async () => {
    const called = `on: workflow_call
env: { FROM: called }
jobs:
  test:
    strategy: { matrix: { node: [18, 20] } }
    runs-on: self-hosted
    steps: [{ run: test }]
  after:
    needs: test
    runs-on: self-hosted
    steps: [{ run: done }]
`;
    const caller = `on: push
env: { FROM: caller }
jobs:
  lint:
    runs-on: self-hosted
    steps: [{ run: lint }]
  check:
    needs: lint
    if: github.ref == 'refs/heads/main'
    uses: ./.github/workflows/test.yml
`;
    const { jobs, problems } = await plan(caller, { ".github/workflows/test.yml": called });
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.job.needs, j.job.if])).toEqual([
      ["lint", [], "success()"],
      ["check / test (18)", ["lint"], "github.ref == 'refs/heads/main'"],
      ["check / test (20)", ["lint"], "github.ref == 'refs/heads/main'"],
      ["check / after", ["check/test"], "success()"],
    ]);
    expect(jobs[1]!.job.env).toEqual({ FROM: "called" });
  });

  it("nests calls, prefixing every level", async () => {
    const outer = `on: workflow_call
jobs:
  inner:
    uses: ./.flotilla/workflows/build.yml
    with: { target: arm }
  after:
    needs: inner
    runs-on: x
    steps: [{ run: x }]
`;
    const caller = `on: push\njobs:\n  ci:\n    uses: ./.flotilla/workflows/outer.yml\n`;
    const { jobs, problems } = await plan(caller, {
      ".flotilla/workflows/outer.yml": outer,
      ".flotilla/workflows/build.yml": BUILD,
    });
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.jobId, j.job.needs])).toEqual([
      ["ci / inner / compile", "ci/inner/compile", []],
      ["ci / inner / package", "ci/inner/package", ["ci/inner/compile"]],
      ["ci / after", "ci/after", ["ci/inner/compile", "ci/inner/package"]],
    ]);
    expect(Object.keys(jobs[0]!.call!.outputs)).toEqual(["ci", "ci/inner"]);
  });

  it("calls a workflow of another repository at its ref", async () => {
    const lint = `on: workflow_call\njobs:\n  lint:\n    runs-on: x\n    steps: [{ run: lint }]\n`;
    const caller = `on: push\njobs:\n  lint:\n    uses: otherorg/shared/.flotilla/workflows/lint.yml@main\n`;
    const { jobs, problems } = await plan(caller, { "otherorg/shared:.flotilla/workflows/lint.yml@main": lint });
    expect(problems).toEqual([]);
    expect(jobs.map((j) => j.key)).toEqual(["lint / lint"]);
  });
});

describe("calls that cannot be made are named at the caller's uses line", () => {
  const call = (extra: string, uses = "./.flotilla/workflows/build.yml") =>
    `on: push\njobs:\n  build:\n    uses: ${uses}\n${extra}`;
  it.each([
    ["a required input missing", call(""), "Input target is required, but not provided while calling."],
    [
      "an input of the wrong type",
      call("    with: { target: linux, level: many }\n"),
      'input "level" must be a number, got "many"',
    ],
    [
      "a boolean given a string",
      call("    with: { target: linux, strip: maybe }\n"),
      'input "strip" must be a boolean, got "maybe"',
    ],
    [
      "an input the workflow does not declare",
      call("    with: { target: linux, colour: red }\n"),
      "Invalid input, colour is not defined in the referenced workflow.",
    ],
    [
      "a secret the workflow does not declare",
      call("    with: { target: linux }\n    secrets: { token: x }\n"),
      "Invalid secret, token is not defined in the referenced workflow.",
    ],
    [
      "an input built from needs",
      call('    with: { target: "${{ needs.a.outputs.t }}" }\n'),
      "`jobs.build.with.target` built from `needs` outputs is not supported yet",
    ],
    [
      "a file that is not there",
      call("", "./.flotilla/workflows/nope.yml"),
      "no workflow file .flotilla/workflows/nope.yml",
    ],
    [
      "a repository it cannot read",
      call("", "secret/repo/.github/workflows/x.yml@v1"),
      "this installation cannot read secret/repo",
    ],
    [
      "a file that is not a workflow path",
      call("", "./ci/build.yml"),
      "directly under `.flotilla/workflows/` or `.github/workflows/`",
    ],
    [
      "a called workflow without workflow_call",
      call("", "./.flotilla/workflows/push.yml"),
      "the called workflow has no `on: workflow_call`",
    ],
    ["a called workflow that calls itself", call("", "./.flotilla/workflows/self.yml"), "may not call itself"],
    [
      "a max-parallel on the caller",
      call("    with: { target: linux }\n    strategy: { max-parallel: 1, matrix: { a: [1, 2] } }\n"),
      "`jobs.build.strategy.max-parallel` on a job that calls a reusable workflow is not supported yet",
    ],
    [
      "a called workflow that does not parse",
      call("", "./.flotilla/workflows/broken.yml"),
      "the called workflow is not valid: .flotilla/workflows/broken.yml:5:5: Unexpected value 'stepz'",
    ],
  ])("%s", async (_what, caller, message) => {
    const { jobs, problems } = await plan(caller, {
      ".flotilla/workflows/build.yml": BUILD,
      ".flotilla/workflows/push.yml": "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: x }]\n",
      ".flotilla/workflows/self.yml": "on: workflow_call\njobs:\n  again:\n    uses: ./.flotilla/workflows/self.yml\n",
      ".flotilla/workflows/broken.yml": "on: workflow_call\njobs:\n  a:\n    runs-on: x\n    stepz: []\n",
    });
    expect(jobs).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain(message);
    expect(problems[0]!.line).toBe(4);
  });

  it("stops at four levels of workflows", async () => {
    const level = (next: string) => `on: workflow_call\njobs:\n  down:\n    uses: ./.flotilla/workflows/${next}.yml\n`;
    const { problems } = await plan(`on: push\njobs:\n  top:\n    uses: ./.flotilla/workflows/l2.yml\n`, {
      ".flotilla/workflows/l2.yml": level("l3"),
      ".flotilla/workflows/l3.yml": level("l4"),
      ".flotilla/workflows/l4.yml": level("l5"),
      ".flotilla/workflows/l5.yml": "on: workflow_call\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: x }]\n",
    });
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [4, expect.stringContaining("nested at most 4 levels deep")],
    ]);
  });

  it("lets `flotilla validate` (no github context, nothing fetched) show the call as one job", async () => {
    const parsed = await parseWorkflow("ci.yml", CALLER);
    if (!parsed.ok) throw new Error("parse");
    const { jobs, problems } = expandJobs(parsed.value, { github: {}, vars: {}, inputs: {} });
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.job.needs])).toEqual([
      ["build", []],
      ["publish", ["build"]],
    ]);
  });
});
