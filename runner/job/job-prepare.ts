/**
 * What a job needs before its first step: its state, the contexts that do not change, the
 * event payload on disk (GITHUB_EVENT_PATH), and its `env` evaluated.
 */
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ExpressionError, type Contexts, type ExpressionFunctions } from "../../protocol/expressions/index.ts";
import { hashFilesResolver, type HashFilesResolver } from "../expressions/hash-files.ts";
import { statusFunctions } from "../expressions/status-functions.ts";
import type { JobStepsContext } from "./job-context.ts";
import type { StepRunContext } from "../step/run-process.ts";
import { fixedContexts, newJobState, stepContexts, stepDebug, type JobState } from "../step/job-state.ts";
import { evaluateJobEnv, StepExpressionError } from "../step/step-fields.ts";
import { prepareActions } from "../actions/prepare-actions.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";

export interface PreparedJob {
  state: JobState;
  fixed: Contexts;
  debug: boolean;
  /** Runner-set variables every step gets. */
  runnerEnv: Record<string, string>;
}

export interface StepScope {
  contexts: Contexts;
  functions: ExpressionFunctions;
  hashFiles: HashFilesResolver;
}

export async function prepareJob(context: JobStepsContext): Promise<Result<PreparedJob>> {
  const { job, dirs } = context;
  const debug = stepDebug(job);
  // Beside the job dirs, shared by the jobs of this runner, as RUNNER_TOOL_CACHE is on GitHub's.
  const toolCache = join(dirname(dirs.root), "_tool");
  const fixed = fixedContexts(job, {
    name: context.runnerName,
    workspace: dirs.workspace,
    temp: dirs.temp,
    toolCache,
    debug,
  });
  const eventPath = join(dirs.temp, "_github_event.json");
  await writeFile(eventPath, JSON.stringify((fixed.github as { event?: unknown }).event ?? {}));
  const prepared: PreparedJob = {
    state: newJobState(),
    fixed,
    debug,
    runnerEnv: { GITHUB_EVENT_PATH: eventPath, RUNNER_TOOL_CACHE: toolCache, ...(debug ? { RUNNER_DEBUG: "1" } : {}) },
  };
  const scope = stepScope(context, prepared);
  try {
    prepared.state.env = await scope.hashFiles.settle(() => evaluateJobEnv(job, scope.contexts, scope.functions));
  } catch (error) {
    if (error instanceof StepExpressionError || error instanceof ExpressionError) return fail(error.message);
    throw error;
  }
  // GitHub's "Prepare all required actions": a missing or docker action fails the job before any step.
  const refusal = await prepareActions(context, prepared.state);
  if (refusal) return fail(refusal);
  return ok(prepared);
}

/** Fresh per step: `hashFiles` results are cached only while one step's fields are evaluated. */
export function stepScope(context: JobStepsContext, prepared: PreparedJob): StepScope {
  const { state } = prepared;
  const hashFiles = hashFilesResolver(context.dirs.workspace);
  return {
    contexts: stepContexts(prepared.fixed, state, { ...state.env }),
    functions: { ...statusFunctions(() => state.status), hashFiles: hashFiles.fn },
    hashFiles,
  };
}

/**
 * What one step (a job step, or an action's pre) runs with: the job's context, the job's state
 * and this step's scope, and `signal` — the job's, or a cleanup step's own after a cancel.
 */
export function stepRunContext(
  context: JobStepsContext,
  prepared: PreparedJob,
  scope: StepScope,
  signal: AbortSignal,
): StepRunContext {
  return {
    ...context,
    signal,
    state: prepared.state,
    contexts: scope.contexts,
    functions: scope.functions,
    hashFiles: scope.hashFiles,
    debug: prepared.debug,
    runnerEnv: prepared.runnerEnv,
  };
}
