/**
 * A job that calls a reusable workflow (`jobs.<id>.uses`), expanded into the called workflow's
 * jobs: its `with:` checked against the called workflow's inputs, its `secrets:`, and the
 * called jobs keyed and named `<caller> / <called>` (the called workflows were fetched at plan
 * time: bot/planner/reusable-workflows.ts).
 */
import { asString, evaluateTemplate, hasTemplate, UnknownContext, type Contexts } from "./evaluate-template.ts";
import { legNaming, uniqueKey, type Item, type Level, type PlanContexts } from "./expand-level.ts";
import { unsupportedCallPart, unsupportedCallWithFromNeeds } from "./unsupported.ts";
import type { CallInput, Workflow, WorkflowCall, WorkflowCallTrigger, WorkflowJob } from "./workflow.ts";

/** GitHub nests reusable workflows at most this deep (the top workflow counts). */
export const MAX_CALL_DEPTH = 4;

/** What a calling job may say besides `uses`, `with`, `secrets`, `needs`, `if`, `name` and a matrix. */
export function callerSupported(job: WorkflowJob, fail: (message: string) => void): boolean {
  const refused: string[] = [];
  if (job.strategy?.maxParallel !== undefined || job.strategy?.maxParallelExpression !== undefined)
    refused.push("strategy.max-parallel");
  if (job.concurrency) refused.push("concurrency");
  for (const part of refused) fail(unsupportedCallPart(job.key, part));
  return refused.length === 0;
}

/**
 * One leg of a job that calls a reusable workflow: the called workflow's jobs, keyed and named
 * `<caller> / <called>`, with job ids `<caller>/<called>` and their needs pointing there.
 */
export function expandCall(
  job: WorkflowJob,
  call: WorkflowCall,
  matrix: Record<string, unknown> | null,
  scope: Contexts,
  contexts: PlanContexts,
  level: Level,
  keys: Set<string>,
  report: (message: string, where: { line: number; column: number }) => void,
  /** Expands the called workflow's jobs (expandJobs' own recursion, passed down to keep imports one way). */
  expandWorkflow: (workflow: Workflow, contexts: PlanContexts, level: Level) => Item[],
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
      return [
        {
          planned: {
            key: legKey,
            jobId: level.idPrefix + job.key,
            name,
            runsOn: [],
            matrix,
            strategy: null,
            job: { ...job, needs: [] },
          },
          entry: true,
        },
      ];
    }
    fail(
      `\`uses: ${call.uses}\`: the called workflow was not fetched (reusable workflows are fetched by the bot when it plans a run)`,
    );
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
  const inner = expandWorkflow(
    withWorkflowSettings(called),
    // The caller's contexts (a forge's too), but for `inputs`: the call's.
    { ...contexts, inputs },
    {
      idPrefix: `${idScope}/`,
      unknown: level.unknown,
      problems: level.problems,
      perJob: level.perJob,
      depth: level.depth + 1,
      at: level.at ?? call.position,
      via: level.via ? `${level.via} → ${call.uses}` : `\`jobs.${job.key}.uses: ${call.uses}\``,
      call: {
        inputs,
        secrets,
        secretChain: [...(level.call?.secretChain ?? []), call.secrets],
        outputs: { ...(level.call?.outputs ?? {}), [idScope]: trigger.outputs },
      },
    },
  );
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
function callInputs(
  jobId: string,
  call: WorkflowCall,
  trigger: WorkflowCallTrigger,
  scope: Contexts,
  unknown: ReadonlySet<string>,
  problems: string[],
): Record<string, unknown> {
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
    if (declared.required && declared.default === undefined)
      problems.push(`Input ${name} is required, but not provided while calling.`);
    else inputs[name] = declared.default ?? (declared.type === "boolean" ? false : declared.type === "number" ? 0 : "");
  }
  return inputs;
}

/** A value as the declared input type, as GitHub coerces `with:` values; undefined when it is not one. */
function asInputType(value: unknown, type: CallInput["type"]): string | number | boolean | undefined {
  if (type === "string")
    return typeof value === "string"
      ? value
      : typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : value == null
          ? ""
          : undefined;
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
function callSecrets(
  call: WorkflowCall,
  trigger: WorkflowCallTrigger,
  scope: Contexts,
  level: Level,
  problems: string[],
): Record<string, string> {
  const mine = level.call?.secrets ?? {};
  if (call.secrets === "inherit") return { ...mine };
  const secrets: Record<string, string> = {};
  for (const [name, written] of Object.entries(call.secrets)) {
    if (!trigger.secrets[name]) {
      problems.push(`Invalid secret, ${name} is not defined in the referenced workflow.`);
      continue;
    }
    try {
      secrets[name] = hasTemplate(written)
        ? asString(evaluateTemplate(written, { ...scope, secrets: mine }, level.unknown))
        : written;
    } catch (error) {
      if (error instanceof UnknownContext) secrets[name] = written;
      else problems.push(`secret "${name}" cannot be evaluated: ${(error as Error).message}`);
    }
  }
  for (const [name, declared] of Object.entries(trigger.secrets)) {
    if (declared.required && !(name in call.secrets))
      problems.push(`Secret ${name} is required, but not provided while calling.`);
  }
  return secrets;
}

/** A called workflow's own `env` and `defaults` apply to its jobs (the caller's do not). */
function withWorkflowSettings(workflow: Workflow): Workflow {
  if (Object.keys(workflow.env).length === 0 && Object.keys(workflow.defaults).length === 0) return workflow;
  return {
    ...workflow,
    jobs: workflow.jobs.map((job) => ({
      ...job,
      env: { ...workflow.env, ...job.env },
      defaults: { ...workflow.defaults, ...job.defaults },
    })),
  };
}

/**
 * A caller leg's key as one segment of its jobs' ids. Job ids hold no `/`, but matrix values in
 * a leg's key may: escaped, so `/` only ever separates a caller from its called jobs.
 */
function scopeSegment(legKey: string): string {
  return legKey.replace(/%/g, "%25").replace(/\//g, "%2F");
}
