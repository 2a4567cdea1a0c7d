import { runContext } from "../../helpers/run-context.ts";
import { describe, expect, it } from "vitest";
import { githubRunContext } from "../../../bot/forges/github/event-context.ts";
import { matchesEvent } from "../../../bot/workflows/matches-event.ts";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";
import type { Triggers } from "../../../bot/workflows/workflow.ts";
import { examplePayload } from "../../helpers/webhooks.ts";

async function on(text: string): Promise<Triggers> {
  const result = await parseWorkflow("ci.yml", `on:${text}\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: x }]\n`);
  if (!result.ok) throw new Error(JSON.stringify(result.reason));
  return result.value.on;
}

const context = runContext;

const branch = (name: string, changedFiles?: string[]) => context({ filterRef: { kind: "branch", name }, changedFiles });
const tag = (name: string) => context({ ref: `refs/tags/${name}`, filterRef: { kind: "tag", name }, changedFiles: ["docs/x.md"] });
const pr = (action: string, base = "main", changedFiles?: string[]) => context({ eventName: "pull_request", action, filterRef: { kind: "branch", name: base }, changedFiles });

describe("on: forms", () => {
  it.each([
    ["a string", " push", { push: {}, other: [] }],
    ["a list", " [push, pull_request, schedule]", { push: {}, pull_request: {}, other: ["schedule"] }],
    ["a map", "\n  push:\n    branches: main\n    tags: ['v*']\n    paths-ignore: ['docs/**']\n  pull_request:\n    types: [opened, labeled]\n    paths: ['src/**']\n  release:\n    types: [published]", {
      push: { branches: ["main"], tags: ["v*"], pathsIgnore: ["docs/**"] },
      pull_request: { types: ["opened", "labeled"], paths: ["src/**"] },
      other: ["release"],
    }],
  ])("%s", async (_what, text, expected) => {
    expect(await on(text)).toEqual(expected);
  });

  it("reads workflow_dispatch inputs with type, required, default and options", async () => {
    const triggers = await on(`
  workflow_dispatch:
    inputs:
      level: { type: choice, options: [debug, info], default: info, required: true, description: Log level }
      dry: { type: boolean, default: false }
      count: { type: number, default: 3 }
      name: {}`);
    expect(triggers.workflow_dispatch).toEqual({
      inputs: {
        level: { type: "choice", options: ["debug", "info"], default: "info", required: true, description: "Log level" },
        dry: { type: "boolean", default: false, required: false },
        count: { type: "number", default: 3, required: false },
        name: { type: "string", required: false },
      },
    });
    expect(matchesEvent(triggers, context({ eventName: "workflow_dispatch" }))).toBe(true);
    expect(matchesEvent(triggers, branch("main"))).toBe(false);
  });
});

describe("matchesEvent", () => {
  it.each([
    ["push branches", "\n  push:\n    branches: [main, 'release/**']", [[branch("main"), true], [branch("release/1.2"), true], [branch("feature"), false], [tag("v1"), false]]],
    ["push branches-ignore", "\n  push:\n    branches-ignore: ['dependabot/**']", [[branch("dependabot/npm/x"), false], [branch("main"), true]]],
    ["push tags", "\n  push:\n    tags: ['v*', '!v0*']", [[tag("v1.0"), true], [tag("v0.9"), false], [branch("main"), false]]],
    ["push paths", "\n  push:\n    paths: ['src/**', '!src/**/*.md']", [
      [branch("main", ["src/a.c"]), true],
      [branch("main", ["src/doc/readme.md"]), false],
      [branch("main", ["docs/x.md", "src/b.c"]), true],
      [branch("main", undefined), true],
      // Path filters are not evaluated for tags.
      [tag("v1"), true],
    ]],
    ["push paths-ignore", "\n  push:\n    paths-ignore: ['docs/**']", [[branch("main", ["docs/a.md"]), false], [branch("main", ["docs/a.md", "src/a.c"]), true]]],
    ["push branches and paths together", "\n  push:\n    branches: [main]\n    paths: ['src/**']", [[branch("main", ["src/a"]), true], [branch("dev", ["src/a"]), false], [branch("main", ["x"]), false]]],
    ["pull_request default types", "\n  pull_request:", [[pr("opened"), true], [pr("synchronize"), true], [pr("reopened"), true], [pr("closed"), false], [branch("main"), false]]],
    ["pull_request types", "\n  pull_request:\n    types: [labeled]", [[pr("labeled"), true], [pr("opened"), false]]],
    ["pull_request branches (the base)", "\n  pull_request:\n    branches: [main]", [[pr("opened", "main"), true], [pr("opened", "dev"), false]]],
    // The PR's files come from the API later; until then, paths filters run the workflow.
    ["pull_request paths", "\n  pull_request:\n    paths: ['src/**']", [[pr("opened"), true], [pr("opened", "main", ["docs/x"]), false], [pr("opened", "main", ["src/x"]), true]]],
  ] as const)("%s", async (_what, text, cases) => {
    const triggers = await on(text);
    for (const [ctx, expected] of cases) expect(matchesEvent(triggers, ctx), JSON.stringify([ctx.filterRef, ctx.action, ctx.changedFiles])).toBe(expected);
  });
});

describe("changed files of a push", () => {
  it("come from the commits' added, modified and removed files", () => {
    // GitHub's example push, made into a push the bot plans (an installation, a new head).
    const payload = { ...examplePayload("push"), installation: { id: 1 }, deleted: false, after: "b".repeat(40) };
    const commits = [{ id: "1", added: ["a.txt"], modified: ["b.txt"], removed: [] }, { id: "2", added: [], modified: ["b.txt"], removed: ["c.txt"] }];
    const result = githubRunContext("d", "push", { ...payload, commits });
    expect(result.ok && result.value.changedFiles).toEqual(["a.txt", "b.txt", "c.txt"]);
    const none = githubRunContext("d", "push", { ...payload, commits: [] });
    expect(none.ok && none.value.changedFiles).toBeUndefined();
  });
});
