import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";
import type { Workflow } from "../../../bot/workflows/workflow.ts";
import { matrixJob } from "./support.ts";

const FIXTURES = join(import.meta.dirname, "../../fixtures/workflows");

function parse(text: string) {
  return parseWorkflow(".flotilla/workflows/ci.yml", text);
}

const NAMED = /not supported (yet|by Flotilla)/;

async function parsed(text: string): Promise<Workflow> {
  const result = await parseWorkflow(".flotilla/workflows/ci.yml", text);
  if (!result.ok) throw new Error(JSON.stringify(result.reason));
  return result.value;
}

const FULL = `name: CI
run-name: Build \${{ github.ref }}
on: push
permissions: { contents: read }
env: { GREETING: hello, N: 3 }
defaults:
  run: { shell: bash, working-directory: src }
concurrency:
  group: \${{ github.workflow }}-\${{ github.ref }}
  cancel-in-progress: true
jobs:
  build:
    name: Build \${{ matrix.os }}
    runs-on: \${{ matrix.os }}
    if: \${{ github.event_name == 'push' }}
    environment: production
    env: { MODE: fast }
    defaults:
      run: { shell: sh }
    timeout-minutes: 30
    continue-on-error: \${{ matrix.experimental }}
    outputs:
      version: \${{ steps.v.outputs.version }}
    concurrency: build-\${{ matrix.os }}
    strategy:
      fail-fast: false
      max-parallel: 2
      matrix:
        os: [linux, macos]
    steps:
      - uses: actions/checkout@v4
      - id: v
        name: Version
        if: always()
        run: |
          echo "version=1" >> "$GITHUB_OUTPUT"
          echo \${{ matrix.os }}
        shell: bash
        working-directory: tools
        env: { A: 1, B: "\${{ env.GREETING }}" }
        timeout-minutes: 5
        continue-on-error: true
      - run: make test
  deploy:
    needs: build
    runs-on: { labels: [self-hosted, deploy] }
    concurrency: deploy
    steps:
      - run: ./deploy
`;

describe("parseWorkflow: the model", () => {
  it("keeps every field, with text holding ${{ }} as written", async () => {
    const workflow = await parsed(FULL);
    expect(workflow).toMatchObject({
      name: "CI",
      on: { push: {}, other: [] },
      env: { GREETING: "hello", N: "3" },
      defaults: { shell: "bash", workingDirectory: "src" },
      concurrency: { group: "${{ github.workflow }}-${{ github.ref }}", cancelInProgress: true },
    });
    const [build, deploy] = workflow.jobs;
    expect(build).toMatchObject({
      key: "build",
      name: "Build ${{ matrix.os }}",
      needs: [],
      if: "github.event_name == 'push'",
      runsOn: ["${{ matrix.os }}"],
      env: { MODE: "fast" },
      defaults: { shell: "sh" },
      timeoutMinutes: 30,
      continueOnError: false,
      continueOnErrorExpression: "matrix.experimental",
      outputs: { version: "${{ steps.v.outputs.version }}" },
      concurrency: { group: "build-${{ matrix.os }}", cancelInProgress: false },
      strategy: { failFast: false, maxParallel: 2, legs: [{ os: "linux" }, { os: "macos" }] },
      position: { line: 12, column: 3 },
    });
    // The checkout step is kept, under GitHub's default name, for the step table.
    expect(build!.steps).toEqual([
      { name: "Run actions/checkout@v4", uses: "actions/checkout@v4", with: {}, env: {}, continueOnError: false },
      {
        id: "v",
        name: "Version",
        if: "always()",
        run: 'echo "version=1" >> "$GITHUB_OUTPUT"\necho ${{ matrix.os }}\n',
        shell: "bash",
        workingDirectory: "tools",
        env: { A: "1", B: "${{ env.GREETING }}" },
        with: {},
        timeoutMinutes: 5,
        continueOnError: true,
      },
      { name: "Run make test", run: "make test", with: {}, env: {}, continueOnError: false },
    ]);
    expect(deploy).toMatchObject({
      needs: ["build"],
      if: "success()",
      runsOn: ["self-hosted", "deploy"],
      timeoutMinutes: 360,
      concurrency: { group: "deploy" },
    });
  });

  it("reads a matrix given as one expression, and one holding expressions, for expandJobs", async () => {
    const workflow = await parsed(
      `on: push\njobs:\n${matrixJob("a", " ${{ fromJSON(vars.MATRIX) }}")}${matrixJob("b", "\n        os: ${{ fromJSON(inputs.oses) }}\n        node: [18]")}`,
    );
    expect(workflow.jobs[0]!.strategy).toEqual({ legs: [], expression: "fromJSON(vars.MATRIX)", failFast: true });
    expect(workflow.jobs[1]!.strategy).toEqual({
      legs: [],
      matrixTemplate: { os: "${{ fromJSON(inputs.oses) }}", node: [18] },
      failFast: true,
    });
  });

  it("names an unchecked-out step by its uses, and keeps a name with a template", async () => {
    const workflow = await parsed(
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha }}\n",
    );
    expect(workflow.jobs[0]!.steps[0]).toMatchObject({
      name: "Run echo ${{ github.sha }}",
      run: "echo ${{ github.sha }}",
    });
    expect(workflow.name).toBe(".flotilla/workflows/ci.yml");
  });
});

describe("parseWorkflow: GitHub's messages at GitHub's positions", () => {
  it.each([
    [
      "an unknown job key",
      "on: push\njobs:\n  a:\n    runs-on: x\n    foo: bar\n    steps: [{ run: x }]\n",
      5,
      5,
      "Unexpected value 'foo'",
    ],
    [
      "a mapping in runs-on's list",
      "on: push\njobs:\n  a:\n    runs-on: [{ a: b }]\n    steps: [{ run: x }]\n",
      4,
      15,
      "A mapping was not expected",
    ],
    [
      "an unknown key under runs-on",
      "on: push\njobs:\n  a:\n    runs-on:\n      foo: bar\n    steps: [{ run: x }]\n",
      5,
      7,
      "Unexpected value 'foo'",
    ],
    [
      "a missing runs-on",
      "on: push\njobs:\n  a:\n    steps: [{ run: x }]\n",
      4,
      5,
      "Required property is missing: runs-on",
    ],
    ["no jobs", "on: push\n", 1, 1, "Required property is missing: jobs"],
    [
      "a step key GitHub does not know",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n        with: { a: 1 }\n",
      7,
      9,
      "Unexpected value 'with'",
    ],
    [
      "an unclosed expression",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha\n",
      6,
      14,
      "The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found.",
    ],
    [
      "an unknown function",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ nope(1) }}\n",
      6,
      19,
      "Unrecognized function: 'nope'",
    ],
    [
      "needs naming a missing job",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: x }]\n  b:\n    needs: [a, nope]\n    runs-on: x\n    steps: [{ run: x }]\n",
      7,
      16,
      "Job 'b' depends on unknown job 'nope'.",
    ],
    [
      "a needs cycle",
      "on: push\njobs:\n  z:\n    runs-on: x\n    steps: [{ run: x }]\n  a:\n    needs: b\n    runs-on: x\n    steps: [{ run: x }]\n  b:\n    needs: a\n    runs-on: x\n    steps: [{ run: x }]\n",
      7,
      12,
      "Job 'a' depends on job 'b' which creates a cycle in the dependency graph.",
    ],
    [
      "a YAML syntax error",
      "on: push\njobs:\n  a: [\n",
      4,
      1,
      /^Flow sequence in block collection must be sufficiently indented and end with a \]/,
    ],
  ])("rejects %s", async (_what, text, line, column, message) => {
    const result = await parseWorkflow("ci.yml", text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason[0]).toMatchObject({ line, column });
    expect(result.reason[0]!.message).toMatch(
      typeof message === "string" ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : message,
    );
  });
});

describe("parseWorkflow: unsupported features are named at their line", () => {
  const job = (body: string) => `on: push\njobs:\n  a:\n    runs-on: x\n${body}`;
  it.each([
    [
      "a container",
      job("    container: node:20\n    steps: [{ run: x }]\n"),
      5,
      "`container` is not supported by Flotilla: it needs a container engine; Flotilla runs a job's steps as processes on the runner",
    ],
    [
      "services",
      job("    services:\n      db: { image: postgres }\n    steps: [{ run: x }]\n"),
      5,
      "`services` is not supported by Flotilla: service containers need a container engine; Flotilla runs a job's steps as processes on the runner",
    ],
    [
      "a docker action",
      job("    steps:\n      - uses: docker://alpine:3\n"),
      6,
      "`uses: docker://alpine:3` is not supported by Flotilla: docker actions need a container engine",
    ],
    [
      "runner groups",
      `${job("").replace("runs-on: x\n", "runs-on:\n      group: big\n")}    steps: [{ run: x }]\n`,
      5,
      "`runs-on.group` is not supported by Flotilla: runner groups do not exist here; use labels",
    ],
  ])("%s", async (_what, text, line, message) => {
    const result = await parseWorkflow("ci.yml", text);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.reason).toEqual([{ line, column: expect.any(Number), message: `job "a": ${message}` }]);
    // Per job (the bot, validate): the file parses and the job carries the refusal, for its check run.
    const perJob = await parseWorkflow("ci.yml", text, { perJob: true });
    if (!perJob.ok) throw new Error(JSON.stringify(perJob.reason));
    const [refusal] = perJob.value.jobs[0]!.refusals ?? [];
    expect(refusal && `\`${refusal.feature}\` is not supported by Flotilla: ${refusal.reason}`).toBe(message);
    expect(refusal?.line).toBe(line);
  });

  it("refuses an expression where GitHub takes none: a step's shell, the workflow's defaults.run", async () => {
    const step = await parseWorkflow("ci.yml", job('    steps: [{ run: x, shell: "${{ matrix.s }}" }]\n'));
    expect(step.ok ? [] : step.reason).toEqual([
      { line: 5, column: 31, message: "Unrecognized named-value: 'matrix'" },
    ]);
    const defaults = await parseWorkflow(
      "ci.yml",
      `${job("    steps: [{ run: x }]\n")}defaults: { run: { shell: "\${{ vars.S }}" } }\n`,
    );
    expect(defaults.ok ? [] : defaults.reason).toEqual([
      { line: 6, column: 28, message: "Unrecognized named-value: 'vars'" },
    ]);
    // A job's defaults.run may use the job's contexts.
    const own = await parseWorkflow(
      "ci.yml",
      job(
        '    defaults: { run: { shell: "${{ matrix.s }}", working-directory: "${{ env.D }}" } }\n    steps: [{ run: x }]\n',
      ),
    );
    expect(own.ok).toBe(true);
  });

  it("accepts permissions, run-name, environment and a plain checkout", async () => {
    const result = await parseWorkflow(
      "ci.yml",
      "on: push\nrun-name: x\npermissions: read-all\njobs:\n  a:\n    runs-on: x\n    environment: prod\n    permissions: { contents: read }\n    steps:\n      - uses: actions/checkout@v4\n      - run: make\n",
    );
    expect(result.ok).toBe(true);
  });

  it.each([
    ["an action", "      - uses: actions/setup-node@v4\n        with: { node-version: 20 }\n"],
    [
      "an action in a subdirectory, at a commit",
      "      - uses: octo/tools/lint@0123456789abcdef0123456789abcdef01234567\n",
    ],
    ["a local action", "      - uses: ./.github/actions/setup\n"],
    ["a checkout with inputs", "      - uses: actions/checkout@v4\n        with: { fetch-depth: 0 }\n"],
  ])("accepts %s: the runner fetches and checks it when the job starts", async (_what, step) => {
    const result = await parseWorkflow("ci.yml", `on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n${step}`);
    expect(result.ok).toBe(true);
  });
});

describe("parseWorkflow: whole files", () => {
  it("reads name, on, env, jobs with runs-on as string or list, and run steps", async () => {
    const result = await parse(`name: CI
on: [push, pull_request]
env: { GREETING: hello, N: 3 }
jobs:
  build:
    name: Build it
    runs-on: [self-hosted, linux]
    env: { MODE: fast }
    steps:
      - name: Say
        run: echo $GREETING
      - run: |
          make
          make test
  lint:
    runs-on: self-hosted
    steps:
      - run: true
        shell: sh
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const workflow = result.value;
    expect(workflow.name).toBe("CI");
    expect(workflow.env).toEqual({ GREETING: "hello", N: "3" });
    expect(workflow.jobs.map((j) => [j.key, j.name, j.runsOn])).toEqual([
      ["build", "Build it", ["self-hosted", "linux"]],
      ["lint", "lint", ["self-hosted"]],
    ]);
    expect(workflow.jobs[0]!.steps.map((s) => s.name)).toEqual(["Say", "Run make"]);
    expect(workflow.jobs[1]!.steps[0]!.shell).toBe("sh");
  });

  it.each([
    ["a YAML syntax error (reported where the closing ] was due)", "on: push\njobs:\n  a: [\n", 4, /flow/i],
    ["no jobs", "on: push\n", 1, /Required property is missing: jobs/],
    [
      "a job without runs-on",
      "on: push\njobs:\n  a:\n    steps:\n      - run: x\n",
      4,
      /Required property is missing: runs-on/,
    ],
    [
      "a docker action step",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: docker://alpine:3\n",
      6,
      /uses.*docker actions need a container engine/,
    ],
  ])("rejects %s at its line", async (_what, text, line, message) => {
    const result = await parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason[0]!.line).toBe(line);
    expect(result.reason[0]!.message).toMatch(message);
  });

  it.each([
    [
      "a matrix",
      "on: push\njobs:\n  a:\n    runs-on: x\n    strategy: { matrix: { n: [1] } }\n    steps:\n      - run: x\n",
    ],
    [
      "an expression (the planner and runner evaluate it)",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha }}\n",
    ],
    [
      "a custom shell (the runner decides)",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n        shell: fish\n",
    ],
    ["paths filters", "on:\n  push:\n    paths: ['src/**']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n"],
    [
      "a plain checkout (the runner has checked out already)",
      "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: x\n",
    ],
  ])("accepts %s", async (_what, text) => {
    expect((await parse(text)).ok).toBe(true);
  });

  it("never crashes on the real workflows in test/fixtures: each parses or names what it lacks", async () => {
    const files = readdirSync(FIXTURES).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const result = await parseWorkflow(file, readFileSync(join(FIXTURES, file), "utf8"));
      if (!result.ok) {
        expect(result.reason.length, file).toBeGreaterThan(0);
        for (const p of result.reason) {
          expect(p.line, `${file}: ${p.message}`).toBeGreaterThan(0);
          expect(p.message, file).toMatch(NAMED);
        }
      }
    }
  });
});

describe("parseWorkflow: contexts a forge adds", () => {
  const GITLAB = `on: push
concurrency: \${{ gitlab.project.id }}
jobs:
  a:
    name: \${{ gitlab.object_kind }}
    if: gitlab.object_kind == 'push'
    runs-on: \${{ gitlab.project.path_with_namespace }}
    strategy:
      matrix:
        user: ["\${{ gitlab.user_username }}"]
    concurrency: \${{ gitlab.ref }}
    env:
      P: \${{ gitlab.project.path_with_namespace }}
    steps:
      - name: \${{ gitlab.object_kind }}
        if: gitlab.object_kind == 'push'
        run: echo "\${{ gitlab.project.path_with_namespace }}"
        env: { K: "\${{ gitlab.object_kind }}" }
      - uses: actions/cache@v4
        with: { key: "\${{ gitlab.checkout_sha }}" }
`;

  it("accepts them wherever github is allowed when parsing for a forge that adds them", async () => {
    const result = await parseWorkflow("ci.yml", GITLAB, { contexts: ["gitlab"] });
    if (!result.ok) throw new Error(JSON.stringify(result.reason));
    const [job] = result.value.jobs;
    expect(job).toMatchObject({
      if: "gitlab.object_kind == 'push'",
      env: { P: "${{ gitlab.project.path_with_namespace }}" },
    });
    expect(job!.steps[0]).toMatchObject({
      if: "gitlab.object_kind == 'push'",
      run: 'echo "${{ gitlab.project.path_with_namespace }}"',
      env: { K: "${{ gitlab.object_kind }}" },
    });
    expect(job!.steps[1]!.with).toEqual({ key: "${{ gitlab.checkout_sha }}" });
  });

  it("refuses them as GitHub does without, before and after a parse that allows them", async () => {
    const text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ gitlab.object_kind }}\n";
    const before = await parseWorkflow("ci.yml", text);
    expect((await parseWorkflow("ci.yml", text, { contexts: ["gitlab"] })).ok).toBe(true);
    const after = await parseWorkflow("ci.yml", text);
    for (const result of [before, after]) {
      expect(result).toEqual({
        ok: false,
        reason: [{ message: "Unrecognized named-value: 'gitlab'", line: 6, column: 19 }],
      });
    }
    const all = await parseWorkflow("ci.yml", GITLAB);
    expect(all.ok).toBe(false);
    if (!all.ok)
      expect(new Set(all.reason.map((p) => p.message))).toEqual(new Set(["Unrecognized named-value: 'gitlab'"]));
  });

  it("refuses them in a job's if as GitHub does", async () => {
    const text =
      "on: push\njobs:\n  a:\n    if: gitlab.object_kind == 'push'\n    runs-on: x\n    steps: [{ run: x }]\n";
    expect(await parseWorkflow("ci.yml", text)).toEqual({
      ok: false,
      reason: [{ message: "Unrecognized named-value: 'gitlab'", line: 4, column: 9 }],
    });
  });

  it("still refuses names neither GitHub nor the forge knows", async () => {
    const text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ gitlabx.y }}\n";
    const result = await parseWorkflow("ci.yml", text, { contexts: ["gitlab"] });
    expect(result).toEqual({
      ok: false,
      reason: [{ message: "Unrecognized named-value: 'gitlabx'", line: 6, column: 19 }],
    });
  });
});
