/**
 * A parsed workflow into the jobs one run creates: one per matrix leg (or one for a job
 * without a matrix), named as GitHub names them, with `name`, `runs-on` and the matrix
 * evaluated against the run's contexts.
 */
import { checkNeeds } from "./check-needs.ts";
import { asString, evaluateTemplate, hasTemplate, UnknownContext, type Contexts } from "./evaluate-template.ts";
import { resolveLegs } from "./resolve-legs.ts";
import type { PlannedJob, Workflow, WorkflowJob, WorkflowProblem } from "./workflow.ts";

export interface PlanContexts {
  github: Record<string, unknown>;
  vars: Record<string, string>;
  inputs: Record<string, unknown>;
}

export function expandJobs(workflow: Workflow, contexts: PlanContexts): { jobs: PlannedJob[]; problems: WorkflowProblem[] } {
  const problems = checkNeeds(workflow.jobs);
  // An empty `github` context means "not known yet" (`flotilla validate`), not "all null".
  const unknown = new Set(Object.keys(contexts.github).length === 0 ? ["github"] : []);
  const jobs: PlannedJob[] = [];
  const keys = new Set<string>();
  for (const job of workflow.jobs) {
    const where = job.position ?? { line: 1, column: 1 };
    const fail = (message: string) => problems.push({ message: `job "${job.key}": ${message}`, ...where });
    const resolved = resolveLegs(job, { ...contexts }, unknown);
    if ("error" in resolved) {
      fail(resolved.error);
      continue;
    }
    const legs = resolved.legs;
    legs.forEach((matrix, index) => {
      const strategy = {
        "fail-fast": job.strategy?.failFast ?? true,
        "job-index": index,
        "job-total": legs.length,
        "max-parallel": job.strategy?.maxParallel ?? legs.length,
      };
      const scope: Contexts = { ...contexts, matrix: matrix ?? {}, strategy };
      try {
        const planned = planLeg(job, matrix, strategy, scope, unknown);
        planned.key = uniqueKey(planned.key, keys);
        jobs.push(planned);
      } catch (error) {
        fail((error as Error).message);
      }
    });
  }
  return { jobs, problems };
}

function planLeg(job: WorkflowJob, matrix: Record<string, unknown> | null, strategy: PlannedJob["strategy"], scope: Contexts, unknown: ReadonlySet<string>): PlannedJob {
  const values = matrix ? Object.values(matrix).map(legValue).join(", ") : "";
  const named = hasTemplate(job.name);
  const name = named ? asString(evaluate(job.name, scope, unknown, "name")) : job.name;
  const planned: PlannedJob = {
    key: matrix ? `${job.key} (${values})` : job.key,
    jobId: job.key,
    // GitHub appends the leg's values to a matrix job's name unless the name says how to use them.
    name: matrix && !named ? `${name} (${values})` : name,
    runsOn: job.runsOn.flatMap((label) => labels(label, scope, unknown)),
    matrix,
    strategy,
    job: withLegSettings(job, scope, unknown),
  };
  return planned;
}

function labels(label: string, scope: Contexts, unknown: ReadonlySet<string>): string[] {
  if (!hasTemplate(label)) return [label];
  const value = evaluate(label, scope, unknown, "runs-on");
  return (Array.isArray(value) ? value : [value]).map(asString).filter((l) => l !== "");
}

/** `timeout-minutes` and `continue-on-error` given as expressions, decided per leg. */
function withLegSettings(job: WorkflowJob, scope: Contexts, unknown: ReadonlySet<string>): WorkflowJob {
  if (job.timeoutMinutesExpression === undefined && job.continueOnErrorExpression === undefined) return job;
  const leg = { ...job };
  if (job.timeoutMinutesExpression !== undefined) {
    const value = Number(evaluate(`\${{ ${job.timeoutMinutesExpression} }}`, scope, unknown, "timeout-minutes"));
    if (Number.isFinite(value) && value > 0) leg.timeoutMinutes = value;
  }
  if (job.continueOnErrorExpression !== undefined) {
    const value = evaluate(`\${{ ${job.continueOnErrorExpression} }}`, scope, unknown, "continue-on-error");
    leg.continueOnError = value === true || value === "true";
  }
  return leg;
}

/** Evaluates, keeping the text as written when it reads a context not known yet. */
function evaluate(text: string, scope: Contexts, unknown: ReadonlySet<string>, what: string): unknown {
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
function uniqueKey(key: string, keys: Set<string>): string {
  let unique = key;
  for (let n = 2; keys.has(unique); n++) unique = `${key} ${n}`;
  keys.add(unique);
  return unique;
}
