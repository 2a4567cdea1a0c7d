/**
 * GitHub's status check functions
 * (https://docs.github.com/actions/learn-github-actions/expressions#status-check-functions),
 * read from a state getter at call time: the runner's state changes as steps run, and the
 * planner's comes from the results of a job's `needs`.
 */
import type { ExpressionFunctions } from "./evaluate.ts";

/** What `success()`, `failure()` and `cancelled()` answer now (`always()` is always true). */
export interface StatusState {
  success: boolean;
  failure: boolean;
  cancelled: boolean;
}

export function statusFunctions(state: () => StatusState): ExpressionFunctions {
  return {
    success: { minArgs: 0, maxArgs: 0, call: () => state().success },
    failure: { minArgs: 0, maxArgs: 0, call: () => state().failure },
    cancelled: { minArgs: 0, maxArgs: 0, call: () => state().cancelled },
    always: { minArgs: 0, maxArgs: 0, call: () => true },
  };
}
