/**
 * The turn an action's pre step and a queued post step share (pre-steps.ts, post-steps.ts):
 * the job's status caught up with a cancel, its condition evaluated (not when the runner is
 * stopping: the job goes back to the queue), then skipped — or reported in progress, announced
 * in the log, run (after a cancel with the cleanup signal, as on GitHub, not the job's aborted
 * one), settled by the caller (its error line, the job's status) and reported completed.
 */
import type { Conclusion, StepResult } from "../../protocol/messages.ts";
import { evaluateCondition } from "../../protocol/expressions/index.ts";
import { cancelReason } from "../step/cancel.ts";
import { cleanupSignal } from "../step/cleanup-signal.ts";
import type { JobStepsContext } from "./job-context.ts";
import { stepScope, type PreparedJob, type StepScope } from "./job-prepare.ts";

export interface ExtraStep<R extends { outcome: Conclusion }> {
  /** Its index in the reports: after the job's own steps. */
  index: number;
  /** Its name in the log and the reports, from this turn's scope. */
  name(scope: StepScope): string;
  /** `pre-if`, or the condition a post was queued with. */
  condition: string;
  /** What the log says (after the name) when the condition cannot be evaluated; throws what is not the step's fault. */
  conditionError(error: unknown): string;
  run(signal: AbortSignal, scope: StepScope): Promise<R>;
  /** What its result does to the job, before it is reported completed. */
  settle(result: R, name: string): void;
}

export async function takeExtraStep<R extends { outcome: Conclusion }>(
  context: JobStepsContext,
  prepared: PreparedJob,
  step: ExtraStep<R>,
): Promise<StepResult> {
  const { jobLog, reporter } = context;
  const { state } = prepared;
  const { index } = step;
  const cancel = cancelReason(context.signal);
  if (cancel && state.status !== "cancelled") state.status = "cancelled";
  const scope = stepScope(context, prepared);
  const name = step.name(scope);
  let go = false;
  if (cancel?.kind !== "runner_stopping") {
    try {
      go = await scope.hashFiles.settle(() => evaluateCondition(step.condition, scope.contexts, scope.functions));
    } catch (error) {
      jobLog.line(`##[error]${name}: ${step.conditionError(error)}`);
    }
  }
  const startedAt = new Date().toISOString();
  if (!go) {
    await reporter.step(index, name, "completed", "skipped");
    return { index, name, outcome: "skipped", conclusion: "skipped", startedAt, completedAt: startedAt };
  }
  await reporter.step(index, name, "in_progress");
  jobLog.line(`▶ ${name}`);
  const cleanup = state.status === "cancelled" ? cleanupSignal(context.stopping) : undefined;
  let result: R;
  try {
    result = await step.run(cleanup?.signal ?? context.signal, scope);
  } finally {
    cleanup?.dispose();
  }
  step.settle(result, name);
  await reporter.step(index, name, "completed", result.outcome);
  return {
    index,
    name,
    outcome: result.outcome,
    conclusion: result.outcome,
    startedAt,
    completedAt: new Date().toISOString(),
  };
}
