/**
 * What expanding one workflow of a run shares with expanding the workflows it calls
 * (expand-jobs.ts, expand-call.ts): the level being expanded, and how a leg is keyed and named.
 */
import { asString, evaluateTemplate, hasTemplate, UnknownContext, type Contexts } from "./evaluate-template.ts";
import type { PlannedCall, PlannedJob, WorkflowJob, WorkflowProblem } from "./workflow.ts";

export interface PlanContexts {
  github: Record<string, unknown>;
  vars: Record<string, string>;
  inputs: Record<string, unknown>;
  /** Named contexts the run's forge adds (RunContext.contexts: `gitlab` on GitLab), by name. */
  [name: string]: unknown;
}

/** Where a workflow is being expanded: the top one, or one called from a job (bot/planner/reusable-workflows.ts, expand-call.ts). */
export interface Level {
  /** Prefix of the job ids of this workflow's jobs: `""`, or `build/` for the jobs `build` calls. */
  idPrefix: string;
  unknown: ReadonlySet<string>;
  problems: WorkflowProblem[];
  /** Whether a job Flotilla cannot run is planned as refused (the bot, validate) or is a problem of the workflow. */
  perJob: boolean;
  depth: number;
  /** In a called workflow: the outermost caller's `uses:` position (problems are reported in the file that was pushed). */
  at?: { line: number; column: number };
  /** In a called workflow: the chain of `uses:` that led here, for messages. */
  via?: string;
  call?: PlannedCall;
}

/** A planned job, and whether it has no `needs` inside its own workflow (then it waits for its callers' needs). */
export interface Item {
  planned: PlannedJob;
  entry: boolean;
}

export function legNaming(
  job: WorkflowJob,
  matrix: Record<string, unknown> | null,
  scope: Contexts,
  unknown: ReadonlySet<string>,
): { key: string; name: string } {
  const named = hasTemplate(job.name);
  const name = named ? asString(evaluate(job.name, scope, unknown, "name")) : job.name;
  // GitHub appends the leg's values to a matrix job's name unless the name says how to use them.
  return { key: legKey(job, matrix), name: matrix && !named ? `${name} (${legValues(matrix)})` : name };
}

/** `build` or `build (ubuntu, 18)`: what a leg is keyed by, whatever its name evaluates to. */
export function legKey(job: WorkflowJob, matrix: Record<string, unknown> | null): string {
  return matrix ? `${job.key} (${legValues(matrix)})` : job.key;
}

function legValues(matrix: Record<string, unknown>): string {
  return Object.values(matrix).map(legValue).join(", ");
}

/** Evaluates, keeping the text as written when it reads a context not known yet. */
export function evaluate(text: string, scope: Contexts, unknown: ReadonlySet<string>, what: string): unknown {
  try {
    return evaluateTemplate(text, scope, unknown);
  } catch (error) {
    if (error instanceof UnknownContext) return text;
    throw new Error(`${what} "${text}" cannot be evaluated: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A matrix value in a leg's key and default name: one line, so an object or list is compact
 * JSON there (a `${{ }}` in a name renders it as GitHub renders values in strings).
 */
function legValue(value: unknown): string {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : asString(value);
}

/** Two legs can name themselves alike (an include repeating a leg); keys must stay unique. */
export function uniqueKey(key: string, keys: Set<string>): string {
  let unique = key;
  for (let n = 2; keys.has(unique); n++) unique = `${key} ${n}`;
  keys.add(unique);
  return unique;
}
