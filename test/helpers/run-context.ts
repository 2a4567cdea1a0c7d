/** A RunContext for planner unit tests: a push to main of o/r, with whatever a test overrides. */
import type { RunContext } from "../../bot/runs/run-context.ts";

export function runContext(overrides: Partial<RunContext> = {}): RunContext {
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
    checkout: { cloneUrl: "" },
    fork: false,
    ...overrides,
  };
}
