import { runContext } from "../../helpers/run-context.ts";
import { describe, expect, it } from "vitest";
import { matchesEvent } from "../../../bot/workflows/matches-event.ts";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";
import { triggersOf as on } from "./support.ts";

const context = runContext;

const branch = (name: string, changedFiles?: string[]) =>
  context({ filterRef: { kind: "branch", name }, changedFiles });

describe("on: forms", () => {
  it.each([
    ["a string", " push", { push: {}, other: [] }],
    ["a list", " [push, pull_request, schedule]", { push: {}, pull_request: {}, schedule: [], other: [] }],
    ["a list with an event Flotilla does not run", " [push, issues]", { push: {}, other: ["issues"] }],
    [
      "a map",
      "\n  push:\n    branches: main\n    tags: ['v*']\n    paths-ignore: ['docs/**']\n  pull_request:\n    types: [opened, labeled]\n    paths: ['src/**']\n  release:\n    types: [published]",
      {
        push: { branches: ["main"], tags: ["v*"], pathsIgnore: ["docs/**"] },
        pull_request: { types: ["opened", "labeled"], paths: ["src/**"] },
        release: { types: ["published"] },
        other: [],
      },
    ],
  ])("%s", async (_what, text, expected) => {
    expect(await on(text)).toEqual(expected);
  });

  it("reads schedules with their time zones, and refuses a time zone nobody knows at its line", async () => {
    expect(
      await on("\n  schedule:\n    - cron: '0 3 * * *'\n    - cron: '0 9 * * 1'\n      timezone: Europe/Paris"),
    ).toEqual({ schedule: [{ cron: "0 3 * * *" }, { cron: "0 9 * * 1", timezone: "Europe/Paris" }], other: [] });
    const parsed = await parseWorkflow(
      "ci.yml",
      "on:\n  schedule:\n    - cron: '0 3 * * *'\n      timezone: Mars/Olympus\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: x }]\n",
    );
    expect(parsed.ok ? [] : parsed.reason).toEqual([
      {
        line: 4,
        column: 17,
        message: "Unknown time zone 'Mars/Olympus' in schedule: use an IANA name such as 'Europe/Paris' or 'UTC'",
      },
    ]);
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
        level: {
          type: "choice",
          options: ["debug", "info"],
          default: "info",
          required: true,
          description: "Log level",
        },
        dry: { type: "boolean", default: false, required: false },
        count: { type: "number", default: 3, required: false },
        name: { type: "string", required: false },
      },
    });
    expect(matchesEvent(triggers, context({ eventName: "workflow_dispatch" }))).toBe(true);
    expect(matchesEvent(triggers, branch("main"))).toBe(false);
  });
});
