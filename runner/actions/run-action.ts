/**
 * A `uses:` step: a built-in action, or a JavaScript or composite action fetched from the forge
 * (when the job started) or read from the workspace (now). Docker actions are refused by name.
 */
import type { JobStep } from "../../protocol/messages.ts";
import { interpolate } from "../../protocol/expressions/index.ts";
import { failedRun, type StepRun, type StepRunContext } from "../step/run-process.ts";
import type { EvaluatedStep } from "../step/step-fields.ts";
import { defaultActionId, type ActionCall } from "./action-call.ts";
import { dockerRefusal } from "./action-ref.ts";
import { findBuiltin } from "./builtins.ts";
import { runComposite } from "./composite-action.ts";
import { ActionError } from "./errors.ts";
import { actionInputs } from "./inputs.ts";
import { loadAction } from "./load-action.ts";
import { isCompositeAction, isDockerAction, isNodeAction } from "./metadata.ts";
import { runNodeAction } from "./node-action.ts";
import { MAX_ACTION_DEPTH } from "./prepare-actions.ts";
import { displayName } from "../step/display-name.ts";

export async function runAction(
  context: StepRunContext,
  step: JobStep,
  fields: EvaluatedStep,
  index: number,
): Promise<StepRun> {
  const uses = step.uses ?? "";
  return runUses(context, {
    uses,
    with: fields.with,
    env: fields.env,
    id: step.id ?? defaultActionId(uses),
    name: context.jobLog.mask(
      displayName(step.name, () => interpolate(step.name, context.contexts, context.functions)),
    ),
    depth: 0,
    step: index,
    ...(step.timeoutMinutes !== undefined ? { timeoutMinutes: step.timeoutMinutes } : {}),
  });
}

/** Runs one call of an action: a job's step, or a composite action's step (`depth` > 0). */
async function runUses(context: StepRunContext, call: ActionCall): Promise<StepRun> {
  const startedAt = new Date();
  const fail = (message: string): StepRun => failedRun(message, startedAt);
  const builtin = findBuiltin(call.uses);
  if (builtin) {
    const result = await builtin.run(context, call.with);
    return { ...result, startedAt, completedAt: new Date() };
  }
  if (call.depth > MAX_ACTION_DEPTH)
    return fail(`\`uses: ${call.uses}\`: composite actions nest more than ${MAX_ACTION_DEPTH} deep`);
  try {
    const action = await loadAction(context, call.uses);
    const { metadata } = action;
    if (isDockerAction(metadata)) return fail(dockerRefusal(call.uses));
    const scope = { contexts: context.contexts, functions: context.functions };
    const inputs = await context.hashFiles.settle(() =>
      actionInputs(metadata, call.with, scope, (warning) => context.jobLog.line(`##[warning]${warning}`)),
    );
    if (isNodeAction(metadata)) return await runNodeAction(context, action, call, inputs.env);
    if (isCompositeAction(metadata)) return await runComposite(context, action, call, inputs.values, runUses);
    return fail(
      `\`uses: ${call.uses}\`: \`runs.using: ${metadata.runs.using}\` is not supported (node12–node24 and composite are; docker needs a container engine)`,
    );
  } catch (error) {
    if (error instanceof ActionError) return fail(error.message);
    throw error;
  }
}
