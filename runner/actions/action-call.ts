/** One call of an action: from a job's step, or from a composite action's step. */
export interface ActionCall {
  uses: string;
  /** The step's `with:`, evaluated. */
  with: Record<string, string>;
  /** The step's user env, evaluated (job env, GITHUB_ENV, its own `env`). */
  env: Record<string, string>;
  /** GITHUB_ACTION: the step's id, or a name made from the action's. */
  id: string;
  /** The step's display name, for its `Post …` step. */
  name: string;
  /** How many composite actions this call is inside. */
  depth: number;
  /** The job step's index, for a call that is a job's step (depth 0). */
  step?: number;
  timeoutMinutes?: number;
}

/** GitHub's GITHUB_ACTION for a step without id: `__owner_repo`, `__self` for a local action. */
export function defaultActionId(uses: string): string {
  if (uses.startsWith("./")) return "__self";
  return `__${uses
    .replace(/@.*$/, "")
    .split("/")
    .slice(0, 2)
    .join("_")
    .replace(/[^A-Za-z0-9_-]/g, "_")}`;
}
