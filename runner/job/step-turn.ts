/**
 * One step's turn in the job: its `if`, its run, and what its result does to the job —
 * `continue-on-error` (outcome failure, conclusion success), the job's status for the
 * status functions, and `steps.<id>` for the steps after it.
 */
import type { Conclusion, JobStep, StepResult } from "../../protocol/messages.ts";
import { cancelReason } from "../step/cancel.ts";
import { cleanupSignal } from "../step/cleanup-signal.ts";
import { evaluateCondition, ExpressionError, interpolate } from "../../protocol/expressions/index.ts";
import { stepRunContext, stepScope, type PreparedJob } from "./job-prepare.ts";
import type { JobStepsContext } from "./job-context.ts";
import { runStep } from "./run-step.ts";
import type { StepRun } from "../step/run-process.ts";
import { displayName } from "../step/display-name.ts";
import { evaluateStepSettings, StepExpressionError } from "../step/step-fields.ts";

export interface StepTurn {
  result: StepResult;
  /** Set when this step failed the job (not forgiven by continue-on-error). */
  failure?: { conclusion: Conclusion; message: string };
}

export async function runStepAt(
  context: JobStepsContext,
  prepared: PreparedJob,
  written: JobStep,
  index: number,
): Promise<StepTurn> {
  let step = written;
  const { state } = prepared;
  const { jobLog, reporter } = context;
  if (cancelReason(context.signal) && state.status !== "cancelled") state.status = "cancelled";
  const scope = stepScope(context, prepared);
  // Names leave the runner in reports too, so they are masked like log lines.
  const name = jobLog.mask(displayName(step.name, () => interpolate(step.name, scope.contexts, scope.functions)));

  let run: StepRun | undefined;
  let shouldRun: boolean;
  try {
    shouldRun = await scope.hashFiles.settle(() => evaluateCondition(step.if, scope.contexts, scope.functions));
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    shouldRun = false;
    const message = `Error evaluating 'if': ${error.message} (in "${step.if ?? ""}")`;
    jobLog.line(`▶ ${name}`);
    const now = new Date();
    run = { outcome: "failure", message, startedAt: now, completedAt: now, outputs: {} };
  }
  if (!shouldRun && !run) {
    await reporter.step(index, name, "completed", "skipped");
    return record(prepared, step, skipped(index, name), {});
  }

  // `timeout-minutes`/`continue-on-error` as expressions are decided now, with the step's contexts.
  if (!run) {
    try {
      step = await scope.hashFiles.settle(() => evaluateStepSettings(written, scope.contexts, scope.functions));
    } catch (error) {
      if (!(error instanceof StepExpressionError)) throw error;
      jobLog.line(`▶ ${name}`);
      const now = new Date();
      run = { outcome: "failure", message: error.message, startedAt: now, completedAt: now, outputs: {} };
    }
  }
  if (!run) {
    await reporter.step(index, name, "in_progress");
    jobLog.line(`▶ ${name}`);
    // After a cancel the job's signal is already aborted: cleanup steps get their own.
    const cleanup = state.status === "cancelled" ? cleanupSignal(context.stopping) : undefined;
    try {
      run = await runStep(stepRunContext(context, prepared, scope, cleanup?.signal ?? context.signal), step, index);
    } finally {
      cleanup?.dispose();
    }
    context.logger
      .child({ step: index })
      .info({ outcome: run.outcome, durationMs: run.completedAt.getTime() - run.startedAt.getTime() }, "step finished");
  }
  if (run.message) jobLog.line(`${run.outcome === "cancelled" ? "" : "##[error]"}${name}: ${run.message}`);

  const jobCancelled = cancelReason(context.signal) !== undefined;
  const ownTimeout = run.outcome === "timed_out" && !jobCancelled;
  const forgiven = step.continueOnError && (run.outcome === "failure" || ownTimeout);
  if (forgiven) jobLog.line(`${name}: continuing (continue-on-error)`);
  const conclusion: Conclusion = forgiven ? "success" : run.outcome;
  const result: StepResult = {
    index,
    name,
    outcome: run.outcome,
    conclusion,
    startedAt: run.startedAt.toISOString(),
    completedAt: run.completedAt.toISOString(),
  };
  await reporter.step(index, name, "completed", conclusion);

  let failure: StepTurn["failure"];
  if (conclusion === "cancelled" || jobCancelled) state.status = "cancelled";
  else if (conclusion === "failure" || conclusion === "timed_out") {
    state.status = "failure";
    failure = { conclusion, message: jobLog.mask(`step "${name}": ${run.message ?? "failed"}`) };
  }
  return record(prepared, step, result, run.outputs, failure);
}

function record(
  prepared: PreparedJob,
  step: JobStep,
  result: StepResult,
  outputs: Record<string, string>,
  failure?: StepTurn["failure"],
): StepTurn {
  if (step.id)
    prepared.state.steps[step.id] = {
      outputs,
      outcome: result.outcome ?? result.conclusion,
      conclusion: result.conclusion,
    };
  return failure ? { result, failure } : { result };
}

function skipped(index: number, name: string): StepResult {
  const at = new Date().toISOString();
  return { index, name, outcome: "skipped", conclusion: "skipped", startedAt: at, completedAt: at };
}
