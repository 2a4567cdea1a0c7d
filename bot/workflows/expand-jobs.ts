/**
 * A parsed workflow into the jobs one run creates: one per matrix leg (or one for a job
 * without a matrix), named as GitHub names them, with `name`, `runs-on` and the matrix
 * evaluated against the run's contexts.
 */
import { checkNeeds } from "./check-needs.ts";
import { asString, evaluateTemplate, hasTemplate, UnknownContext, type Contexts } from "./evaluate-template.ts";
import { resolveLegs } from "./resolve-legs.ts";
import { unsupportedCallPart, unsupportedCallWithFromNeeds } from "./unsupported.ts";
import type { CallInput, PlannedCall, PlannedJob, Workflow, WorkflowCall, WorkflowCallTrigger, WorkflowJob, WorkflowProblem } from "./workflow.ts";

export interface PlanContexts {
  github: Record<string, unknown>;
  vars: Record<string, string>;
  inputs: Record<string, unknown>;
}

export function expandJobs(workflow: Workflow, contexts: PlanContexts): { jobs: PlannedJob[]; problems: WorkflowProblem[] } {
  // An empty `github` context means "not known yet" (`flotilla validate`), not "all null".
  const unknown = new Set(Object.keys(contexts.github).length === 0 ? ["github"] : []);
  const problems: WorkflowProblem[] = [];
  const items = expandWorkflow(workflow, contexts, { idPrefix: "", unknown, problems, depth: 1 });
  return { jobs: items.map((item) => item.planned), problems };
}

/** Where a workflow is being expanded: the top one, or one called from a job (bot/planner/reusable-workflows.ts). */
interface Level {
  /** Prefix of the job ids of this workflow's jobs: `""`, or `build/` for the jobs `build` calls. */
  idPrefix: string;
  unknown: ReadonlySet<string>;
  problems: WorkflowProblem[];
  depth: number;
  /** In a called workflow: the outermost caller's `uses:` position (problems are reported in the file that was pushed). */
  at?: { line: number; column: number };
  /** In a called workflow: the chain of `uses:` that led here, for messages. */
  via?: string;
  call?: PlannedCall;
}

/** A planned job, and whether it has no `needs` inside its own workflow (then it waits for its callers' needs). */
interface Item {
  planned: PlannedJob;
  entry: boolean;
}

/** GitHub nests reusable workflows at most this deep (the top workflow counts). */
export const MAX_CALL_DEPTH = 4;

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
    if ("error" in resolved) {
      fail(resolved.error);
      continue;
    }
    if (job.call && !callerSupported(job, (message) => report(message, job.call!.position))) continue;
    const legs = resolved.legs;
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
          for (const item of expandCall(job, job.call, matrix, scope, contexts, level, keys, report)) {
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
    const needs = replace ? ids : [...item.planned.job.needs, ...ids.filter((id) => !item.planned.job.needs.includes(id))];
    item.planned.job = { ...item.planned.job, needs };
  }
  return [...expanded.values()].flat();
}

/** What a calling job may say besides `uses`, `with`, `secrets`, `needs`, `if`, `name` and a matrix. */
function callerSupported(job: WorkflowJob, fail: (message: string) => void): boolean {
  const refused: string[] = [];
  if (job.strategy?.maxParallel !== undefined) refused.push("strategy.max-parallel");
  if (job.concurrency) refused.push("concurrency");
  for (const part of refused) fail(unsupportedCallPart(job.key, part));
  return refused.length === 0;
}

/**
 * One leg of a job that calls a reusable workflow: the called workflow's jobs, keyed and named
 * `<caller> / <called>`, with job ids `<caller>/<called>` and their needs pointing there.
 */
function expandCall(
  job: WorkflowJob,
  call: WorkflowCall,
  matrix: Record<string, unknown> | null,
  scope: Contexts,
  contexts: PlanContexts,
  level: Level,
  keys: Set<string>,
  report: (message: string, where: { line: number; column: number }) => void,
): Item[] {
  const fail = (message: string) => report(`job "${job.key}": ${message}`, call.position);
  const { key, name } = legNaming(job, matrix, scope, level.unknown);
  const legKey = uniqueKey(key, keys);
  if (call.error !== undefined) {
    fail(call.error);
    return [];
  }
  const called = call.workflow;
  if (!called) {
    // `flotilla validate`: the called workflow is the bot's to fetch; the call stands for its jobs.
    if (level.unknown.has("github")) {
      return [{ planned: { key: legKey, jobId: level.idPrefix + job.key, name, runsOn: [], matrix, strategy: null, job: { ...job, needs: [] } }, entry: true }];
    }
    fail(`\`uses: ${call.uses}\`: the called workflow was not fetched (reusable workflows are fetched by the bot when it plans a run)`);
    return [];
  }
  if (level.depth >= MAX_CALL_DEPTH) {
    fail(`\`uses: ${call.uses}\`: reusable workflows can be nested at most ${MAX_CALL_DEPTH} levels deep`);
    return [];
  }
  const trigger = called.on.workflow_call;
  if (!trigger) {
    fail(`\`uses: ${call.uses}\`: the called workflow has no \`on: workflow_call\``);
    return [];
  }
  const problems: string[] = [];
  const inputs = callInputs(job.key, call, trigger, scope, level.unknown, problems);
  const secrets = callSecrets(call, trigger, scope, level, problems);
  if (called.concurrency) problems.push(`\`concurrency\` in the called workflow ${call.uses} is not supported yet`);
  if (problems.length > 0) {
    for (const problem of problems) fail(problem);
    return [];
  }
  const idScope = level.idPrefix + scopeSegment(legKey);
  const inner = expandWorkflow(withWorkflowSettings(called), { github: contexts.github, vars: contexts.vars, inputs }, {
    idPrefix: `${idScope}/`,
    unknown: level.unknown,
    problems: level.problems,
    depth: level.depth + 1,
    at: level.at ?? call.position,
    via: level.via ? `${level.via} → ${call.uses}` : `\`jobs.${job.key}.uses: ${call.uses}\``,
    call: { inputs, secrets, secretChain: [...(level.call?.secretChain ?? []), call.secrets], outputs: { ...(level.call?.outputs ?? {}), [idScope]: trigger.outputs } },
  });
  for (const item of inner) {
    const planned = item.planned;
    planned.key = uniqueKey(`${legKey} / ${planned.key}`, keys);
    planned.name = `${name} / ${planned.name}`;
    // The caller's `if` decides whether the called workflow starts at all.
    if (item.entry && job.if !== "success()") {
      const own = planned.job.if;
      planned.job = { ...planned.job, if: own === "success()" ? job.if : `(${job.if}) && (${own})` };
    }
  }
  return inner;
}

/** A call's `with:` against the called workflow's inputs: types, `required`, defaults. */
function callInputs(jobId: string, call: WorkflowCall, trigger: WorkflowCallTrigger, scope: Contexts, unknown: ReadonlySet<string>, problems: string[]): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [name, written] of Object.entries(call.with)) {
    const declared = trigger.inputs[name];
    if (!declared) {
      problems.push(`Invalid input, ${name} is not defined in the referenced workflow.`);
      continue;
    }
    let value: unknown = written;
    if (typeof written === "string" && hasTemplate(written)) {
      if (/\bneeds\s*\./.test(written)) {
        problems.push(unsupportedCallWithFromNeeds(jobId, name));
        continue;
      }
      try {
        value = evaluateTemplate(written, scope, unknown);
      } catch (error) {
        if (error instanceof UnknownContext) {
          inputs[name] = written;
          continue;
        }
        problems.push(`input "${name}": "${written}" cannot be evaluated: ${(error as Error).message}`);
        continue;
      }
    }
    const typed = asInputType(value, declared.type);
    if (typed === undefined) problems.push(`input "${name}" must be a ${declared.type}, got ${JSON.stringify(value)}`);
    else inputs[name] = typed;
  }
  for (const [name, declared] of Object.entries(trigger.inputs)) {
    if (name in call.with) continue;
    if (declared.required && declared.default === undefined) problems.push(`Input ${name} is required, but not provided while calling.`);
    else inputs[name] = declared.default ?? (declared.type === "boolean" ? false : declared.type === "number" ? 0 : "");
  }
  return inputs;
}

/** A value as the declared input type, as GitHub coerces `with:` values; undefined when it is not one. */
function asInputType(value: unknown, type: CallInput["type"]): string | number | boolean | undefined {
  if (type === "string") return typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : value == null ? "" : undefined;
  if (type === "number") {
    if (typeof value === "number") return value;
    if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
    return undefined;
  }
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  return undefined;
}

/**
 * `secrets:` — a map checked against the declared secrets, or `inherit` (the caller's). Evaluated
 * here with empty `secrets` (the values come from the bot when the job starts: `secretChain`).
 */
function callSecrets(call: WorkflowCall, trigger: WorkflowCallTrigger, scope: Contexts, level: Level, problems: string[]): Record<string, string> {
  const mine = level.call?.secrets ?? {};
  if (call.secrets === "inherit") return { ...mine };
  const secrets: Record<string, string> = {};
  for (const [name, written] of Object.entries(call.secrets)) {
    if (!trigger.secrets[name]) {
      problems.push(`Invalid secret, ${name} is not defined in the referenced workflow.`);
      continue;
    }
    try {
      secrets[name] = hasTemplate(written) ? asString(evaluateTemplate(written, { ...scope, secrets: mine }, level.unknown)) : written;
    } catch (error) {
      if (error instanceof UnknownContext) secrets[name] = written;
      else problems.push(`secret "${name}" cannot be evaluated: ${(error as Error).message}`);
    }
  }
  for (const [name, declared] of Object.entries(trigger.secrets)) {
    if (declared.required && !(name in call.secrets)) problems.push(`Secret ${name} is required, but not provided while calling.`);
  }
  return secrets;
}

/** A called workflow's own `env` and `defaults` apply to its jobs (the caller's do not). */
function withWorkflowSettings(workflow: Workflow): Workflow {
  if (Object.keys(workflow.env).length === 0 && Object.keys(workflow.defaults).length === 0) return workflow;
  return {
    ...workflow,
    jobs: workflow.jobs.map((job) => ({ ...job, env: { ...workflow.env, ...job.env }, defaults: { ...workflow.defaults, ...job.defaults } })),
  };
}

/**
 * A caller leg's key as one segment of its jobs' ids. Job ids hold no `/`, but matrix values in
 * a leg's key may: escaped, so `/` only ever separates a caller from its called jobs.
 */
export function scopeSegment(legKey: string): string {
  return legKey.replace(/%/g, "%25").replace(/\//g, "%2F");
}

function legNaming(job: WorkflowJob, matrix: Record<string, unknown> | null, scope: Contexts, unknown: ReadonlySet<string>): { key: string; name: string } {
  const values = matrix ? Object.values(matrix).map(legValue).join(", ") : "";
  const named = hasTemplate(job.name);
  const name = named ? asString(evaluate(job.name, scope, unknown, "name")) : job.name;
  // GitHub appends the leg's values to a matrix job's name unless the name says how to use them.
  return { key: matrix ? `${job.key} (${values})` : job.key, name: matrix && !named ? `${name} (${values})` : name };
}

function planLeg(job: WorkflowJob, matrix: Record<string, unknown> | null, strategy: PlannedJob["strategy"], scope: Contexts, unknown: ReadonlySet<string>): PlannedJob {
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
