import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseWorkflow } from "../../bot/workflows/parse-workflow.ts";
import { matchesEvent } from "../../bot/workflows/matches-event.ts";
import { matchesFilters } from "../../bot/workflows/filter-pattern.ts";
import type { RunContext } from "../../bot/planner/run-context.ts";

const FIXTURES = join(import.meta.dirname, "../../../shared/fixtures/workflows");

function parse(text: string) {
  return parseWorkflow(".flotilla/workflows/ci.yml", text);
}

describe("parseWorkflow", () => {
  it("reads name, on, env, jobs with runs-on as string or list, and run steps", () => {
    const result = parse(`name: CI
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
    const { workflow } = result;
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
    ["no jobs", "on: push\n", 1, /no `jobs:`/],
    ["a job without runs-on", "on: push\njobs:\n  a:\n    steps:\n      - run: x\n", 4, /no `runs-on`/],
    ["an action step", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n", 6, /uses.*not supported yet/],
    ["a matrix", "on: push\njobs:\n  a:\n    runs-on: x\n    strategy: { matrix: { n: [1] } }\n    steps:\n      - run: x\n", 5, /jobs\.a\.strategy.*not supported yet/],
    ["an expression", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo ${{ github.sha }}\n", 6, /expressions/],
    ["an unknown shell", "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n        shell: fish\n", 7, /shell "fish"/],
    ["paths filters", "on:\n  push:\n    paths: ['src/**']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n", 3, /on\.push\.paths/],
  ])("rejects %s at its line", (_what, text, line, message) => {
    const result = parse(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]!.line).toBe(line);
    expect(result.problems[0]!.message).toMatch(message);
  });

  it("never crashes on the real workflows in shared/fixtures: each parses or names what it lacks", () => {
    const files = readdirSync(FIXTURES).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const result = parseWorkflow(file, readFileSync(join(FIXTURES, file), "utf8"));
      if (!result.ok) {
        expect(result.problems.length, file).toBeGreaterThan(0);
        for (const p of result.problems) {
          expect(p.line, `${file}: ${p.message}`).toBeGreaterThan(0);
          expect(p.message, file).toMatch(/not supported yet|must|no |is not a filter|either/);
        }
      }
    }
  });
});

function context(overrides: Partial<RunContext>): RunContext {
  return {
    forge: "github",
    deliveryId: "d",
    repo: { owner: "o", name: "r", fullName: "o/r" },
    private: false,
    eventName: "push",
    sha: "a".repeat(40),
    ref: "refs/heads/main",
    filterRef: { kind: "branch", name: "main" },
    actor: "me",
    checkout: { cloneUrl: "", repo: { owner: "o", name: "r", fullName: "o/r" }, private: false },
    fork: false,
    ...overrides,
  };
}

describe("matchesEvent", () => {
  const on = (text: string) => {
    const r = parse(`on:\n${text}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n`);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.workflow.on;
  };

  it("follows GitHub's branch and tag filter rules", () => {
    const branchesOnly = on("  push:\n    branches: [main, 'release/**']");
    expect(matchesEvent(branchesOnly, context({}))).toBe(true);
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "branch", name: "release/1.2" } }))).toBe(true);
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "branch", name: "feature" } }))).toBe(false);
    // Only branches named: a tag push does not start it.
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "tag", name: "v1" } }))).toBe(false);
    const ignore = on("  push:\n    branches-ignore: ['dependabot/**']");
    expect(matchesEvent(ignore, context({ filterRef: { kind: "branch", name: "dependabot/npm/x" } }))).toBe(false);
    expect(matchesEvent(ignore, context({}))).toBe(true);
  });

  it("runs pull_request on opened, synchronize and reopened unless types say otherwise", () => {
    const pr = on("  pull_request:");
    expect(matchesEvent(pr, context({ eventName: "pull_request", action: "synchronize" }))).toBe(true);
    expect(matchesEvent(pr, context({ eventName: "pull_request", action: "closed" }))).toBe(false);
    expect(matchesEvent(pr, context({ eventName: "push" }))).toBe(false);
    const labeled = on("  pull_request:\n    types: [labeled]");
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
