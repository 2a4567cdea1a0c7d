/**
 * One step that is going to run: evaluate its fields, then run it — a `run:` script as one
 * process (step/run-process.ts), or a `uses:` action (actions/run-action.ts).
 */
import type { JobStep } from "../../protocol/messages.ts";
import { ExpressionError } from "../../protocol/expressions/index.ts";
import { runAction } from "../actions/run-action.ts";
import { evaluateStepFields, StepExpressionError, type EvaluatedStep } from "../step/step-fields.ts";
import { failedRun, resolveInside, runProcess, type StepRun, type StepRunContext } from "../step/run-process.ts";

export async function runStep(context: StepRunContext, step: JobStep, index: number): Promise<StepRun> {
  const startedAt = new Date();
  let fields: EvaluatedStep;
  try {
    fields = await context.hashFiles.settle(() =>
      evaluateStepFields(step, context.job, context.contexts, context.functions),
    );
  } catch (error) {
    if (error instanceof StepExpressionError || error instanceof ExpressionError)
      return failedRun(error.message, startedAt);
    throw error;
  }
  if (fields.run === undefined) return runAction(context, step, fields, index);
  return runScript(context, fields, step, index);
}

function runScript(context: StepRunContext, fields: EvaluatedStep, step: JobStep, index: number): Promise<StepRun> {
  const { dirs } = context;
  return runProcess(context, {
    script: fields.run ?? "",
    ...(fields.shell !== undefined ? { shell: fields.shell } : {}),
    cwd: fields.workingDirectory ? resolveInside(dirs.workspace, fields.workingDirectory) : dirs.workspace,
    env: fields.env,
    action: step.id ?? `__run_${index}`,
    ...(step.timeoutMinutes !== undefined ? { timeoutMinutes: step.timeoutMinutes } : {}),
  });
}
