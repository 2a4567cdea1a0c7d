/**
 * GitHub's status check functions, bound to the job's state as the steps run
 * (https://docs.github.com/actions/learn-github-actions/expressions#status-check-functions).
 */
import type { ExpressionFunctions } from "./evaluate.ts";

/** `job.status`: the job's state so far, as the next step sees it. */
export type JobStatus = "success" | "failure" | "cancelled";

export function statusFunctions(status: () => JobStatus): ExpressionFunctions {
  return {
    success: { minArgs: 0, maxArgs: 0, call: () => status() === "success" },
    failure: { minArgs: 0, maxArgs: 0, call: () => status() === "failure" },
    cancelled: { minArgs: 0, maxArgs: 0, call: () => status() === "cancelled" },
    always: { minArgs: 0, maxArgs: 0, call: () => true },
  };
}
