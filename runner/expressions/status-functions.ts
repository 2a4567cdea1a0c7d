/**
 * GitHub's status check functions bound to the job's state as the steps run; the
 * definitions are shared with the planner (protocol/expressions).
 */
import { statusFunctions as fromState, type ExpressionFunctions } from "../../protocol/expressions/index.ts";

/** `job.status`: the job's state so far, as the next step sees it. */
export type JobStatus = "success" | "failure" | "cancelled";

export function statusFunctions(status: () => JobStatus): ExpressionFunctions {
  return fromState(() => {
    const now = status();
    return { success: now === "success", failure: now === "failure", cancelled: now === "cancelled" };
  });
}
