/**
 * A step's `if` bound to the job's status (statusFunctions), as a table. The expressions
 * themselves are shared with the bot and tested in test/protocol/expressions.test.ts.
 */
import { describe, expect, it } from "vitest";
import { evaluateCondition, ExpressionError, interpolate } from "../../../protocol/expressions/index.ts";
import { statusFunctions, type JobStatus } from "../../../runner/expressions/status-functions.ts";

const contexts = { github: { sha: "abc", event: { n: 3, list: [1, 2] } }, env: { A: "x" }, matrix: null, steps: {} };

describe("step if, bound to the job's status", () => {
  it.each<[string | undefined, JobStatus, boolean]>([
    [undefined, "success", true],
    [undefined, "failure", false],
    ["always()", "cancelled", true],
    ["failure()", "failure", true],
    ["failure()", "cancelled", false],
    ["cancelled()", "cancelled", true],
    ["github.sha == 'abc'", "failure", false],
    ["${{ job.status == 'success' }}", "success", true],
  ])("if %j when the job is %s → %s", (condition, status, expected) => {
    const scope = { ...contexts, job: { status } };
    const functions = statusFunctions(() => status);
    expect(evaluateCondition(condition, scope, functions)).toBe(expected);
  });

  it("refuses an unclosed template in a step field", () => {
    expect(() => interpolate("${{ github.sha", contexts)).toThrow(ExpressionError);
  });
});
