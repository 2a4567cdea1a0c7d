/**
 * The `needs` context a released job sees, computed from job rows: a matrix's legs folded into
 * one result, and a call to a reusable workflow as its jobs' result and its declared outputs.
 */
import { describe, expect, it } from "vitest";
import { needsContext } from "../../../bot/scheduler/needs-context.ts";
import type { JobRow } from "../../../bot/runs/rows.ts";

describe("the caller's needs context", () => {
  const row = (jobId: string, fields: Partial<JobRow>): JobRow =>
    ({
      jobId,
      jobKey: jobId,
      namespace: "default",
      needs: [],
      status: "completed",
      conclusion: "success",
      outputs: {},
      callOutputs: {},
      ...fields,
    }) as JobRow;
  const templates = {
    build: {
      "artifact-name": "${{ jobs.package.outputs.name }}",
      both: "${{ jobs.compile.result }}-${{ jobs.package.result }}",
    },
  };

  it("folds a call's jobs into needs.<caller>: results aggregated, outputs from on.workflow_call.outputs", () => {
    const rows = [
      row("build/compile", { callOutputs: templates }),
      row("build/package", { callOutputs: templates, outputs: { name: "app.tgz" } }),
      row("lint", { outputs: { ok: "yes" } }),
    ];
    const publish = row("publish", {
      needs: ["build/compile", "build/package", "lint"],
      status: "queued",
      conclusion: null,
    });
    expect(needsContext(publish, rows)).toEqual({
      build: { result: "success", outputs: { "artifact-name": "app.tgz", both: "success-success" } },
      lint: { result: "success", outputs: { ok: "yes" } },
    });
    // Inside the called workflow, needs are the called workflow's own.
    expect(needsContext(row("build/package", { needs: ["build/compile"] }), rows)).toEqual({
      compile: { result: "success", outputs: {} },
    });
  });

  it("waits for every called job, and fails when one of them failed", () => {
    const rows = [
      row("build/compile", { callOutputs: templates, conclusion: "failure" }),
      row("build/package", { callOutputs: templates, status: "in_progress", conclusion: null }),
    ];
    const publish = row("publish", { needs: ["build/compile", "build/package"] });
    expect(needsContext(publish, rows)).toBeUndefined();
    rows[1] = row("build/package", { callOutputs: templates, conclusion: "skipped" });
    expect(needsContext(publish, rows)).toEqual({
      build: { result: "failure", outputs: { "artifact-name": "", both: "failure-skipped" } },
    });
  });

  it("merges the outputs of a caller's matrix legs", () => {
    const leg = (os: string) =>
      row(`build (${os})/package`, {
        callOutputs: { [`build (${os})`]: { "artifact-name": "${{ jobs.package.outputs.name }}" } },
        outputs: { name: `app-${os}` },
      });
    const publish = row("publish", { needs: ["build (linux)/package", "build (mac)/package"] });
    expect(needsContext(publish, [leg("linux"), leg("mac")])).toEqual({
      build: { result: "success", outputs: { "artifact-name": "app-mac" } },
    });
  });
});
