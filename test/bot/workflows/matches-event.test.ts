import { runContext } from "../../helpers/run-context.ts";
import { describe, expect, it } from "vitest";
import { matchesEvent } from "../../../bot/workflows/matches-event.ts";
import { triggersOf as on } from "./support.ts";

const context = runContext;

const branch = (name: string, changedFiles?: string[]) =>
  context({ filterRef: { kind: "branch", name }, changedFiles });
const tag = (name: string) =>
  context({ ref: `refs/tags/${name}`, filterRef: { kind: "tag", name }, changedFiles: ["docs/x.md"] });
const pr = (action: string, base = "main", changedFiles?: string[]) =>
  context({ eventName: "pull_request", action, filterRef: { kind: "branch", name: base }, changedFiles });

describe("matchesEvent", () => {
  it.each([
    [
      "push branches",
      "\n  push:\n    branches: [main, 'release/**']",
      [
        [branch("main"), true],
        [branch("release/1.2"), true],
        [branch("feature"), false],
        [tag("v1"), false],
      ],
    ],
    [
      "push branches-ignore",
      "\n  push:\n    branches-ignore: ['dependabot/**']",
      [
        [branch("dependabot/npm/x"), false],
        [branch("main"), true],
      ],
    ],
    [
      "push tags",
      "\n  push:\n    tags: ['v*', '!v0*']",
      [
        [tag("v1.0"), true],
        [tag("v0.9"), false],
        [branch("main"), false],
      ],
    ],
    [
      "push paths",
      "\n  push:\n    paths: ['src/**', '!src/**/*.md']",
      [
        [branch("main", ["src/a.c"]), true],
        [branch("main", ["src/doc/readme.md"]), false],
        [branch("main", ["docs/x.md", "src/b.c"]), true],
        [branch("main", undefined), true],
        // Path filters are not evaluated for tags.
        [tag("v1"), true],
      ],
    ],
    [
      "push paths-ignore",
      "\n  push:\n    paths-ignore: ['docs/**']",
      [
        [branch("main", ["docs/a.md"]), false],
        [branch("main", ["docs/a.md", "src/a.c"]), true],
      ],
    ],
    [
      "push branches and paths together",
      "\n  push:\n    branches: [main]\n    paths: ['src/**']",
      [
        [branch("main", ["src/a"]), true],
        [branch("dev", ["src/a"]), false],
        [branch("main", ["x"]), false],
      ],
    ],
    [
      "pull_request default types",
      "\n  pull_request:",
      [
        [pr("opened"), true],
        [pr("synchronize"), true],
        [pr("reopened"), true],
        [pr("closed"), false],
        [branch("main"), false],
      ],
    ],
    [
      "pull_request types",
      "\n  pull_request:\n    types: [labeled]",
      [
        [pr("labeled"), true],
        [pr("opened"), false],
      ],
    ],
    [
      "pull_request branches (the base)",
      "\n  pull_request:\n    branches: [main]",
      [
        [pr("opened", "main"), true],
        [pr("opened", "dev"), false],
      ],
    ],
    // The PR's files come from the API later; until then, paths filters run the workflow.
    [
      "pull_request paths",
      "\n  pull_request:\n    paths: ['src/**']",
      [
        [pr("opened"), true],
        [pr("opened", "main", ["docs/x"]), false],
        [pr("opened", "main", ["src/x"]), true],
      ],
    ],
  ] as const)("%s", async (_what, text, cases) => {
    const triggers = await on(text);
    for (const [ctx, expected] of cases)
      expect(matchesEvent(triggers, ctx), JSON.stringify([ctx.filterRef, ctx.action, ctx.changedFiles])).toBe(expected);
  });
});

describe("matchesEvent: one filter at a time", () => {
  it("follows GitHub's branch and tag filter rules", async () => {
    const branchesOnly = await on("\n  push:\n    branches: [main, 'release/**']");
    expect(matchesEvent(branchesOnly, context({}))).toBe(true);
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "branch", name: "release/1.2" } }))).toBe(true);
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "branch", name: "feature" } }))).toBe(false);
    // Only branches named: a tag push does not start it.
    expect(matchesEvent(branchesOnly, context({ filterRef: { kind: "tag", name: "v1" } }))).toBe(false);
    const ignore = await on("\n  push:\n    branches-ignore: ['dependabot/**']");
    expect(matchesEvent(ignore, context({ filterRef: { kind: "branch", name: "dependabot/npm/x" } }))).toBe(false);
    expect(matchesEvent(ignore, context({}))).toBe(true);
  });

  it("runs pull_request on opened, synchronize and reopened unless types say otherwise", async () => {
    const pr = await on("\n  pull_request:");
    expect(matchesEvent(pr, context({ eventName: "pull_request", action: "synchronize" }))).toBe(true);
    expect(matchesEvent(pr, context({ eventName: "pull_request", action: "closed" }))).toBe(false);
    expect(matchesEvent(pr, context({ eventName: "push" }))).toBe(false);
    const labeled = await on("\n  pull_request:\n    types: [labeled]");
    expect(matchesEvent(labeled, context({ eventName: "pull_request", action: "labeled" }))).toBe(true);
    expect(matchesEvent(labeled, context({ eventName: "pull_request", action: "opened" }))).toBe(false);
  });
});

describe("matchesEvent: schedule, repository_dispatch, release", () => {
  it("runs a schedule slot only for the cron it fired", async () => {
    const nightly = await on("\n  schedule:\n    - cron: '0 3 * * *'\n    - cron: '30 12 * * 1-5'");
    const slot = (cron: string) => context({ eventName: "schedule", schedule: { cron } });
    expect(matchesEvent(nightly, slot("0 3 * * *"))).toBe(true);
    expect(matchesEvent(nightly, slot("30 12 * * 1-5"))).toBe(true);
    expect(matchesEvent(nightly, slot("0 4 * * *"))).toBe(false);
    expect(matchesEvent(await on(" [push]"), slot("0 3 * * *"))).toBe(false);
  });

  it("runs repository_dispatch for its types, or for every event_type without them", async () => {
    const dispatch = (action: string) => context({ eventName: "repository_dispatch", action });
    const deploy = await on("\n  repository_dispatch:\n    types: [deploy, 'test-*']");
    expect(matchesEvent(deploy, dispatch("deploy"))).toBe(true);
    expect(matchesEvent(deploy, dispatch("other"))).toBe(false);
    expect(matchesEvent(await on("\n  repository_dispatch:"), dispatch("anything"))).toBe(true);
    expect(matchesEvent(await on(" [push]"), dispatch("deploy"))).toBe(false);
  });

  it("runs release for its activity types, or for every one without them", async () => {
    const release = (action: string) =>
      context({ eventName: "release", action, ref: "refs/tags/v1", filterRef: { kind: "tag", name: "v1" } });
    const published = await on("\n  release:\n    types: [published]");
    expect(matchesEvent(published, release("published"))).toBe(true);
    expect(matchesEvent(published, release("created"))).toBe(false);
    expect(matchesEvent(await on(" [release]"), release("edited"))).toBe(true);
  });
});

describe("matchesEvent: workflow_run", () => {
  it("runs for the named workflows, their types and the triggering run's branch", async () => {
    const follow = await on("\n  workflow_run:\n    workflows: [CI]\n    types: [completed]\n    branches: [main]");
    const run = (triggeringWorkflow: string, action: string, branch = "main") =>
      context({ eventName: "workflow_run", action, triggeringWorkflow, filterRef: { kind: "branch", name: branch } });
    expect(matchesEvent(follow, run("CI", "completed"))).toBe(true);
    expect(matchesEvent(follow, run("CI", "requested"))).toBe(false);
    expect(matchesEvent(follow, run("Lint", "completed"))).toBe(false);
    expect(matchesEvent(follow, run("CI", "completed", "feature"))).toBe(false);
    const any = await on("\n  workflow_run:\n    workflows: [CI, Lint]");
    expect(matchesEvent(any, run("Lint", "requested", "feature"))).toBe(true);
  });
});
