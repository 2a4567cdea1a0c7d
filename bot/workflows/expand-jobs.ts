/**
 * A parsed workflow into the jobs one run creates: one per matrix leg (or one for a job
 * without a matrix), named as GitHub names them, with `name`, `runs-on` and the matrix
 * evaluated against the run's contexts.
 */
import { checkNeeds } from "./check-needs.ts";
import { asString, hasTemplate, type Contexts } from "./evaluate-template.ts";
import { callerSupported, expandCall } from "./expand-call.ts";
import { evaluate, legNaming, uniqueKey, type Item, type Level, type PlanContexts } from "./expand-level.ts";
import { resolveLegs } from "./resolve-legs.ts";
import type { PlannedJob, Workflow, WorkflowJob, WorkflowProblem } from "./workflow.ts";

export function expandJobs(
  workflow: Workflow,
  contexts: PlanContexts,
): { jobs: PlannedJob[]; problems: WorkflowProblem[] } {
  // An empty `github` context means "not known yet" (`flotilla validate`), not "all null".
  const unknown = new Set(Object.keys(contexts.github).length === 0 ? ["github"] : []);
  const problems: WorkflowProblem[] = [];
  const items = expandWorkflow(workflow, contexts, { idPrefix: "", unknown, problems, depth: 1 });
  return { jobs: items.map((item) => item.planned), problems };
}

function expandWorkflow(workflow: Workflow, contexts: PlanContexts, level: Level): Item[] {
  const report = (message: string, where: { line: number; column: number }) =>
    level.problems.push(level.at ? { message: `${level.via}: ${message}`, ...level.at } : { message, ...where });
  for (const problem of checkNeeds(workflow.jobs)) report(problem.message, problem);
  const keys = new Set<string>();
  const expanded = new Map<string, Item[]>();
  /** Needs still named as this workflow names them; `replace` for its own jobs, appended for a call's entry jobs. */
  const pending = new Map<Item, { names: string[]; replace: boolean }>();
  for (const job of workflow.jobs) {
    const where = job.position ?? { line: 1, column: 1 };
    const fail = (message: string, at = where) => report(`job "${job.key}": ${message}`, at);
    const resolved = resolveLegs(job, { ...contexts }, level.unknown);
    if (!resolved.ok) {
      fail(resolved.reason);
      continue;
    }
    if (job.call && !callerSupported(job, (message) => report(message, job.call!.position))) continue;
    const legs = resolved.value;
    const mine: Item[] = [];
    legs.forEach((matrix, index) => {
      const strategy = {
        "fail-fast": job.strategy?.failFast ?? true,
        "job-index": index,
        "job-total": legs.length,
        "max-parallel": job.strategy?.maxParallel ?? legs.length,
      };
      const scope: Contexts = { ...contexts, matrix: matrix ?? {}, strategy };
      try {
        if (job.call) {
          for (const item of expandCall(job, job.call, matrix, scope, contexts, level, keys, report, expandWorkflow)) {
            mine.push(item);
            if (item.entry && job.needs.length > 0) pending.set(item, { names: job.needs, replace: false });
            item.entry &&= job.needs.length === 0;
          }
          return;
        }
        const planned = planLeg(job, matrix, strategy, scope, level.unknown);
        planned.key = uniqueKey(planned.key, keys);
        planned.jobId = level.idPrefix + job.key;
        if (level.call) planned.call = level.call;
        const item = { planned, entry: job.needs.length === 0 };
        pending.set(item, { names: job.needs, replace: true });
        mine.push(item);
      } catch (error) {
        fail((error as Error).message, job.call?.position ?? where);
      }
    });
    expanded.set(job.key, mine);
  }
  // `needs: x` waits for every job x stands for: its legs, or every job of the workflow it calls.
  for (const [item, { names, replace }] of pending) {
    const ids = [...new Set(names.flatMap((name) => (expanded.get(name) ?? []).map((i) => i.planned.jobId)))];
    const needs = replace
      ? ids
      : [...item.planned.job.needs, ...ids.filter((id) => !item.planned.job.needs.includes(id))];
    item.planned.job = { ...item.planned.job, needs };
  }
  return [...expanded.values()].flat();
}

function planLeg(
  job: WorkflowJob,
  matrix: Record<string, unknown> | null,
  strategy: PlannedJob["strategy"],
  scope: Contexts,
  unknown: ReadonlySet<string>,
): PlannedJob {
  const { key, name } = legNaming(job, matrix, scope, unknown);
  const planned: PlannedJob = {
    key,
    jobId: job.key,
    name,
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
