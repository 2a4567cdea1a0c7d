/**
 * How a job's check run shows on GitLab, which has only commit statuses: each conclusion is the
 * GitLab state a user sees in the merge request's pipeline widget (neutral passes, timed out
 * fails, waiting for /ok-to-test stays pending), an update that changes only what GitLab cannot
 * show (output, buttons) sends nothing, and a description is cut to GitLab's 255 characters.
 */
import { describe, expect, it } from "vitest";
import type { CheckUpdate } from "../../../../bot/forges/forge.ts";
import {
  description,
  stateOfCheck,
  stateOfCommitStatus,
  stateOfUpdate,
} from "../../../../bot/forges/gitlab/status-state.ts";

type Conclusion = NonNullable<CheckUpdate["conclusion"]>;

describe("GitLab status states", () => {
  it.each<[Conclusion, string]>([
    ["success", "success"],
    ["neutral", "success"],
    ["failure", "failed"],
    ["timed_out", "failed"],
    ["cancelled", "canceled"],
    ["skipped", "skipped"],
    ["action_required", "pending"],
  ])("a check concluded %s is %s", (conclusion, state) => {
    expect(stateOfCheck({ status: "completed", conclusion })).toBe(state);
    expect(stateOfUpdate({ status: "completed", conclusion })).toBe(state);
  });

  it("a queued check is pending, one in progress running, completed without a conclusion success", () => {
    expect(stateOfCheck({ status: "queued" })).toBe("pending");
    expect(stateOfUpdate({ status: "in_progress", startedAt: "2026-01-01T00:00:00Z" })).toBe("running");
    expect(stateOfUpdate({ status: "completed" })).toBe("success");
  });

  it("an update that changes no status sends nothing", () => {
    expect(stateOfUpdate({ output: { title: "3 of 5 steps", summary: "…" } })).toBeUndefined();
    expect(stateOfUpdate({ actions: [] })).toBeUndefined();
    expect(stateOfUpdate({})).toBeUndefined();
  });

  it("commit statuses in GitHub's states map to GitLab's", () => {
    expect(stateOfCommitStatus("pending")).toBe("pending");
    expect(stateOfCommitStatus("success")).toBe("success");
    expect(stateOfCommitStatus("failure")).toBe("failed");
    expect(stateOfCommitStatus("error")).toBe("failed");
  });

  it("descriptions are kept to GitLab's 255 characters", () => {
    expect(description(undefined)).toBeUndefined();
    expect(description("a".repeat(255))).toBe("a".repeat(255));
    const cut = description("b".repeat(300))!;
    expect(cut).toHaveLength(255);
    expect(cut.endsWith("…")).toBe(true);
  });
});
