import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runContext } from "../helpers/run-context.ts";
import { describe, expect, it } from "vitest";
import { parseWorkflow } from "../../bot/workflows/parse-workflow.ts";
import { matchesEvent } from "../../bot/workflows/matches-event.ts";
import { matchesFilters } from "../../bot/workflows/filter-pattern.ts";

const FIXTURES = join(import.meta.dirname, "../../../shared/fixtures/workflows");

function parse(text: string) {
  return parseWorkflow(".flotilla/workflows/ci.yml", text);
}

/** Features the parser names when it refuses them (see bot/workflows/unsupported.ts). */
const NAMED = /not supported yet/;

describe("parseWorkflow", () => {
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
    ["a job without runs-on", "on: push\njobs:\n  a:\n    steps:\n      - run: x\n", 4, /Required property is missing: runs-on/],
    ["a docker action step", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: docker://alpine:3\n", 6, /uses.*docker actions need a container engine/],
  ])("rejects %s at its line", async (_what, text, line, message) => {
    const result = await parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason[0]!.line).toBe(line);
    expect(result.reason[0]!.message).toMatch(message);
  });

  it.each([
    ["a matrix", "on: push\njobs:\n  a:\n    runs-on: x\n    strategy: { matrix: { n: [1] } }\n    steps:\n      - run: x\n"],
    ["an expression (the planner and runner evaluate it)", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha }}\n"],
    ["a custom shell (the runner decides)", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n        shell: fish\n"],
    ["paths filters", "on:\n  push:\n    paths: ['src/**']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n"],
    ["a plain checkout (the runner has checked out already)", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - run: x\n"],
  ])("accepts %s", async (_what, text) => {
    expect((await parse(text)).ok).toBe(true);
  });

  it("never crashes on the real workflows in shared/fixtures: each parses or names what it lacks", async () => {
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

const context = runContext;

describe("matchesEvent", () => {
  const on = async (text: string) => {
    const r = await parse(`on:\n${text}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n`);
    if (!r.ok) throw new Error(JSON.stringify(r.reason));
    return r.value.on;
  };

  it("follows GitHub's branch and tag filter rules", async () => {
    const branchesOnly = await on("  push:\n    branches: [main, 'release/**']");
    expect(matchesEvent(branchesOnly, context({}))).toBe(true);
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "branch", name: "release/1.2" } }))).toBe(true);
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "branch", name: "feature" } }))).toBe(false);
    // Only branches named: a tag push does not start it.
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "tag", name: "v1" } }))).toBe(false);
    const ignore = await on("  push:\n    branches-ignore: ['dependabot/**']");
    expect(matchesEvent(ignore, context({ filterRef: { kind: "branch", name: "dependabot/npm/x" } }))).toBe(false);
    expect(matchesEvent(ignore, context({}))).toBe(true);
  });

  it("runs pull_request on opened, synchronize and reopened unless types say otherwise", async () => {
    const pr = await on("  pull_request:");
    expect(matchesEvent(pr, context({ eventName: "pull_request", action: "synchronize" }))).toBe(true);
    expect(matchesEvent(pr, context({ eventName: "pull_request", action: "closed" }))).toBe(false);
    expect(matchesEvent(pr, context({ eventName: "push" }))).toBe(false);
    const labeled = await on("  pull_request:\n    types: [labeled]");
    expect(matchesEvent(labeled, context({ eventName: "pull_request", action: "labeled" }))).toBe(true);
    expect(matchesEvent(labeled, context({ eventName: "pull_request", action: "opened" }))).toBe(false);
  });

  it("matches filter patterns with *, **, ! in order", () => {
    expect(matchesFilters("feature/a", ["feature/*"])).toBe(true);
    expect(matchesFilters("feature/a/b", ["feature/*"])).toBe(false);
    expect(matchesFilters("feature/a/b", ["feature/**"])).toBe(true);
    expect(matchesFilters("release/beta", ["release/**", "!release/beta"])).toBe(false);
    expect(matchesFilters("v1.2.3", ["v[0-9]+.*"])).toBe(true);
  });
});
