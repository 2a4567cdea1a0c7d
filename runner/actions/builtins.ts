/**
 * Actions Flotilla builds in, because their real implementations need GitHub's own hosted
 * services (artifacts, caches) or because the runner already does their work (checkout).
 * Matched on the action's name without its `@ref`.
 */
import type { StepRunContext, StepRun } from "../run-step.ts";

export interface BuiltinAction {
  /** `actions/checkout`, `actions/upload-artifact`… */
  name: string;
  /**
   * Runs the action with its evaluated `with:` inputs. `pre`/`post` phases, when a built-in
   * has them, are its own business (see the actions module for how posts are queued).
   */
  run(context: StepRunContext, inputs: Record<string, string>): Promise<Omit<StepRun, "startedAt" | "completedAt">>;
}

const checkout: BuiltinAction = {
  name: "actions/checkout",
  async run(context, inputs) {
    // The runner checked the commit out before the first step; options come with the actions work.
    const unsupported = Object.keys(inputs).filter((k) => inputs[k] !== "");
    if (unsupported.length > 0) return { outcome: "failure", message: `actions/checkout: \`with: ${unsupported.join(", ")}\` is not supported yet`, outputs: {} };
    context.log.line(`already checked out at ${context.job.checkout.sha}`);
    return { outcome: "success", outputs: {} };
  },
};

const BUILTINS: BuiltinAction[] = [checkout];

export function findBuiltin(uses: string): BuiltinAction | undefined {
  const name = uses.replace(/@.*$/, "").toLowerCase();
  return BUILTINS.find((b) => b.name === name);
}
