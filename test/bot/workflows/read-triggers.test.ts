import { runContext } from "../../helpers/run-context.ts";
import { describe, expect, it } from "vitest";
import { matchesEvent } from "../../../bot/workflows/matches-event.ts";
import { triggersOf as on } from "./support.ts";

const context = runContext;

const branch = (name: string, changedFiles?: string[]) =>
  context({ filterRef: { kind: "branch", name }, changedFiles });

describe("on: forms", () => {
  it.each([
    ["a string", " push", { push: {}, other: [] }],
    ["a list", " [push, pull_request, schedule]", { push: {}, pull_request: {}, other: ["schedule"] }],
    [
      "a map",
      "\n  push:\n    branches: main\n    tags: ['v*']\n    paths-ignore: ['docs/**']\n  pull_request:\n    types: [opened, labeled]\n    paths: ['src/**']\n  release:\n    types: [published]",
      {
        push: { branches: ["main"], tags: ["v*"], pathsIgnore: ["docs/**"] },
        pull_request: { types: ["opened", "labeled"], paths: ["src/**"] },
        other: ["release"],
      },
    ],
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
