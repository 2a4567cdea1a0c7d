/**
 * A `uses:` step: a built-in action, or (coming) a JavaScript or composite action fetched from
 * the forge or the workspace.
 */
import type { JobStep } from "../../protocol/messages.ts";
import type { StepRun, StepRunContext } from "../run-step.ts";
import type { EvaluatedStep } from "../step-fields.ts";
import { findBuiltin } from "./builtins.ts";

export async function runAction(context: StepRunContext, step: JobStep, fields: EvaluatedStep, _index: number): Promise<StepRun> {
  const startedAt = new Date();
  const uses = step.uses ?? "";
  const builtin = findBuiltin(uses);
  if (builtin) {
    const result = await builtin.run(context, fields.with);
    return { ...result, startedAt, completedAt: new Date() };
  }
  return { outcome: "failure", message: `\`uses: ${uses || "?"}\` is not supported yet`, startedAt, completedAt: new Date(), outputs: {} };
}
