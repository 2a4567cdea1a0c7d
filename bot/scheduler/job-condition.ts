/**
 * A job's `if:`, decided when its needs are done, the way the runner decides a step's
 * (protocol/expressions): a condition without a status function means `success() && (…)`,
 * so a job whose needs failed is skipped unless its `if` says `always()` or `failure()`.
 */
import { evaluateCondition, statusFunctions } from "../../protocol/expressions/index.ts";

export type NeedResult = "success" | "failure" | "cancelled" | "skipped";

/**
 * Several jobs as one `needs.<id>.result` (a matrix's legs, a called workflow's jobs), as GitHub
 * folds them. A job with `continue-on-error` that failed counts as succeeded.
 */
export function foldResults(jobs: { conclusion: string | null; continueOnError?: boolean }[]): NeedResult {
  const results = jobs.map((j) =>
    j.continueOnError && (j.conclusion === "failure" || j.conclusion === "timed_out")
      ? "success"
      : (j.conclusion ?? "failure"),
  );
  if (results.some((r) => r === "failure" || r === "timed_out")) return "failure";
  if (results.includes("cancelled")) return "cancelled";
  if (results.every((r) => r === "skipped")) return "skipped";
  return "success";
}

export interface ConditionContexts {
  github: Record<string, unknown>;
  vars: Record<string, string>;
  inputs: Record<string, unknown>;
  needs: Record<string, { result: NeedResult; outputs: Record<string, string> }>;
  matrix: Record<string, unknown> | null;
  strategy: Record<string, unknown> | null;
  /** Named contexts the run's forge adds (RunContext.contexts: `gitlab` on GitLab), by name. */
  [name: string]: unknown;
}

export class ConditionError extends Error {
  override name = "ConditionError";
}

export function shouldRun(condition: string, contexts: ConditionContexts, runCancelled = false): boolean {
  const results = Object.values(contexts.needs).map((n) => n.result);
  const failed = results.some((r) => r === "failure" || r === "cancelled");
  const functions = statusFunctions(() => ({
    success: !failed && !runCancelled && results.every((r) => r === "success" || r === "skipped"),
    failure: failed,
    cancelled: runCancelled,
  }));
  try {
    // `env` is named (and empty) so that reading it is null rather than an unknown name.
    return evaluateCondition(condition, { ...contexts, env: {} }, functions);
  } catch (error) {
    throw new ConditionError(`the job's if: "${condition}" cannot be evaluated: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
