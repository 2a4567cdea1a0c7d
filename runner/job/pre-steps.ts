/**
 * GitHub's pre steps: the `pre` of each job step's JavaScript action fetched from the forge
 * runs at the start of the job — after the checkout and "Prepare all required actions", before
 * the first step — in step order, as a step named `Pre <step name>`, when its `pre-if` holds
 * (`always()` by default) with the job's contexts as they are then. Its GITHUB_STATE reaches
 * that step's `main` and `post` as `STATE_*`. A local action's `pre` is never run (the
 * workspace may not hold it yet when the job starts), as on GitHub; a `pre` inside a composite
 * action runs right before its `main` (node-action.ts).
 *
 * Pre steps are reported after the job's own steps' indices (the bot keys results by a step's
 * index): `steps.length + i`, and the post steps after them.
 */
import type { Conclusion, JobStep, StepResult } from "../../protocol/messages.ts";
import { cancelReason } from "../step/cancel.ts";
import { ExpressionError, interpolate } from "../../protocol/expressions/index.ts";
import { stepRunContext, type PreparedJob } from "./job-prepare.ts";
import { takeExtraStep } from "./extra-step.ts";
import type { JobStepsContext } from "./job-context.ts";
import type { StepRunContext } from "../step/run-process.ts";
import { evaluateStepFields, StepExpressionError } from "../step/step-fields.ts";
import { defaultActionId } from "../actions/action-call.ts";
import { parseActionRef } from "../actions/action-ref.ts";
import { findBuiltin } from "../actions/builtins.ts";
import { ActionError } from "../actions/errors.ts";
import { actionInputs } from "../actions/inputs.ts";
import { loadAction, type LoadedAction } from "../actions/load-action.ts";
import { isNodeAction } from "../actions/metadata.ts";
import { runNodePhase } from "../actions/node-action.ts";
import { displayName } from "../step/display-name.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";

export interface PreStep {
  /** The job step whose action this is. */
  stepIndex: number;
  step: JobStep;
  action: LoadedAction;
  file: string;
  condition: string;
}

/** The job steps whose remote JavaScript action has a `pre`; the actions were fetched by prepareActions. */
export async function collectPreSteps(context: JobStepsContext, prepared: PreparedJob): Promise<Result<PreStep[]>> {
  const pres: PreStep[] = [];
  for (const [stepIndex, step] of context.job.steps.entries()) {
    if (step.uses === undefined || findBuiltin(step.uses)) continue;
    try {
      if (parseActionRef(step.uses).kind !== "remote") continue;
      const action = await loadAction(
        {
          job: context.job,
          dirs: context.dirs,
          state: prepared.state,
          jobLog: context.jobLog,
          signal: context.signal,
          ...(context.actionsUrl ? { actionsUrl: context.actionsUrl } : {}),
        },
        step.uses,
      );
      const { runs } = action.metadata;
      if (!isNodeAction(action.metadata) || !runs.pre || !runs.main) continue;
      pres.push({ stepIndex, step, action, file: runs.pre, condition: runs["pre-if"] ?? "always()" });
    } catch (error) {
      if (error instanceof ActionError) return fail(error.message);
      throw error;
    }
  }
  return ok(pres);
}

export async function runPreSteps(
  context: JobStepsContext,
  prepared: PreparedJob,
  pres: PreStep[],
  firstIndex: number,
): Promise<{ steps: StepResult[]; failure?: { conclusion: Conclusion; message: string } }> {
  const { jobLog } = context;
  const { state } = prepared;
  const steps: StepResult[] = [];
  let failure: { conclusion: Conclusion; message: string } | undefined;
  for (const [offset, pre] of pres.entries()) {
    const step = await takeExtraStep(context, prepared, {
      index: firstIndex + offset,
      name: (scope) =>
        jobLog.mask(
          `Pre ${displayName(pre.step.name, () => interpolate(pre.step.name, scope.contexts, scope.functions))}`,
        ),
      condition: pre.condition,
      conditionError(error) {
        if (!(error instanceof ExpressionError)) throw error;
        return `Error evaluating 'pre-if': ${error.message}`;
      },
      run: (signal, scope) => runPre(stepRunContext(context, prepared, scope, signal), pre),
      settle(result, name) {
        if (result.message)
          jobLog.line(`${result.outcome === "cancelled" ? "" : "##[error]"}${name}: ${result.message}`);
        if (result.outcome === "cancelled" || cancelReason(context.signal)) state.status = "cancelled";
        else if (result.outcome === "failure" || result.outcome === "timed_out") {
          state.status = "failure";
          failure ??= {
            conclusion: result.outcome,
            message: jobLog.mask(`step "${name}": ${result.message ?? "failed"}`),
          };
        }
      },
    });
    steps.push(step);
  }
  return { steps, ...(failure ? { failure } : {}) };
}

/** The step's `with:` and `env` evaluated now, the action's inputs, then its `pre` file. */
async function runPre(context: StepRunContext, pre: PreStep): Promise<{ outcome: Conclusion; message?: string }> {
  const { step, action } = pre;
  try {
    const fields = await context.hashFiles.settle(() =>
      evaluateStepFields(step, context.job, context.contexts, context.functions),
    );
    // Input warnings are the step's own: it logs them when it runs.
    const inputs = await context.hashFiles.settle(() =>
      actionInputs(action.metadata, fields.with, context, () => undefined),
    );
    const call = {
      env: fields.env,
      id: step.id ?? defaultActionId(step.uses ?? ""),
      ...(step.timeoutMinutes !== undefined ? { timeoutMinutes: step.timeoutMinutes } : {}),
    };
    const run = await runNodePhase(context, action, call, inputs.env, pre.file, {});
    context.state.preStates.set(pre.stepIndex, run.state);
    return run.message ? { outcome: run.outcome, message: run.message } : { outcome: run.outcome };
  } catch (error) {
    if (error instanceof StepExpressionError || error instanceof ExpressionError || error instanceof ActionError)
      return { outcome: "failure", message: error.message };
    throw error;
  }
}
