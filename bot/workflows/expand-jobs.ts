/**
 * A parsed workflow into the jobs one run creates: one per matrix leg (or one for a job
 * without a matrix), named as GitHub names them, with `name`, `runs-on`, the matrix and the
 * other job fields evaluated against the run's contexts (plan-fields.ts). A job that uses what
 * Flotilla cannot run, or whose fields cannot be evaluated, is planned refused (`refusal`):
 * it fails by itself and the workflow's other jobs run.
 */
import type { Leg } from "./expand-matrix.ts";
import { checkNeeds } from "./check-needs.ts";
import type { Contexts } from "./evaluate-template.ts";
import { callerSupported, expandCall } from "./expand-call.ts";
import { legKey, legNaming, uniqueKey, type Item, type Level, type PlanContexts } from "./expand-level.ts";
import { legFields, strategySettings } from "./plan-fields.ts";
import { resolveLegs } from "./resolve-legs.ts";
import { refusalMessage } from "./unsupported.ts";
import type { PlannedJob, Workflow, WorkflowJob, WorkflowProblem } from "./workflow.ts";

export interface ExpandOptions {
  /**
   * Plan a job Flotilla cannot run as refused, and the others as usual (the bot, `flotilla
   * validate`). Without it, such a job is a problem of the whole workflow (`flotilla run`).
   */
  perJob?: boolean;
}

export function expandJobs(
  workflow: Workflow,
  contexts: PlanContexts,
  options: ExpandOptions = {},
): { jobs: PlannedJob[]; problems: WorkflowProblem[] } {
  // An empty `github` context means "not known yet" (`flotilla validate`), not "all null".
  const unknown = new Set(Object.keys(contexts.github).length === 0 ? ["github"] : []);
  const problems: WorkflowProblem[] = [];
  const level: Level = { idPrefix: "", unknown, problems, perJob: options.perJob ?? false, depth: 1 };
  const items = expandWorkflow(workflow, contexts, level);
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
    const mine: Item[] = [];
    expanded.set(job.key, mine);
    const refuse = (message: string, matrix: Leg | null = null) => {
      if (!level.perJob) return fail(message);
      const item = { planned: refusedLeg(job, matrix, message, level, keys), entry: job.needs.length === 0 };
      pending.set(item, { names: job.needs, replace: true });
      mine.push(item);
    };
    if (job.refusals?.length) {
      if (level.perJob) refuse(job.refusals.map(refusalMessage).join("\n"));
      else
        for (const refusal of job.refusals)
          fail(refusalMessage(refusal), { line: refusal.line, column: refusal.column });
      continue;
    }
    const settings = strategySettings(job, contexts, level.unknown);
    const resolved = settings.ok ? resolveLegs(job, { ...contexts }, level.unknown) : settings;
    if (!resolved.ok) {
      refuse(resolved.reason);
      continue;
    }
    if (job.call && !callerSupported(job, (message) => report(message, job.call!.position))) continue;
    const legs = resolved.value;
    const { failFast, maxParallel } = settings.ok ? settings.value : { failFast: true, maxParallel: undefined };
    const decided: WorkflowJob = job.strategy ? { ...job, strategy: { ...job.strategy, failFast, maxParallel } } : job;
    legs.forEach((matrix, index) => {
      const strategy = {
        "fail-fast": failFast,
        "job-index": index,
        "job-total": legs.length,
        "max-parallel": maxParallel ?? legs.length,
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
        const planned = planLeg(decided, matrix, strategy, scope, level.unknown);
        planned.key = uniqueKey(planned.key, keys);
        planned.jobId = level.idPrefix + job.key;
        if (level.call) planned.call = level.call;
        const item = { planned, entry: job.needs.length === 0 };
        pending.set(item, { names: job.needs, replace: true });
        mine.push(item);
      } catch (error) {
        if (job.call) fail((error as Error).message, job.call.position);
        else refuse((error as Error).message, matrix);
      }
    });
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
  return { key, jobId: job.key, name, matrix, strategy, ...legFields(job, scope, unknown) };
}

/** A job (or one leg) that cannot run: planned so that its check run fails saying why, never published. */
function refusedLeg(
  job: WorkflowJob,
  matrix: Leg | null,
  refusal: string,
  level: Level,
  keys: Set<string>,
): PlannedJob {
  const key = uniqueKey(legKey(job, matrix), keys);
  return {
    key,
    jobId: level.idPrefix + job.key,
    // Its name may be what could not be evaluated: a templated one is not tried again.
    name: job.name.includes("${{") ? key : legNaming(job, matrix, {}, level.unknown).name,
    runsOn: [],
    matrix,
    strategy: null,
    job,
    refusal,
    ...(level.call ? { call: level.call } : {}),
  };
}
