/**
 * A JavaScript action (`runs.using: node12…node24`), run with the runner's own Node as act and
 * Forgejo do. `pre` of a job step's remote action ran at the start of the job (pre-steps.ts);
 * a local action's `pre` never runs (GitHub warns and skips it: the action is not there when
 * the job starts); inside a composite action `pre` runs right before `main`, when `pre-if`
 * holds. `main` runs in the step, `post` is queued on the job's post steps with `post-if`.
 * Each phase is a step process like a `run:` script — same environment, step files and
 * workflow commands — plus the action's variables, and the `STATE_*` that earlier phases
 * wrote to GITHUB_STATE.
 */
import { join } from "node:path";
import { evaluateCondition, ExpressionError } from "../../protocol/expressions/index.ts";
import { runProcess, type ProcessRun, type StepRun, type StepRunContext } from "../step/run-process.ts";
import type { ActionCall } from "./action-call.ts";
import type { LoadedAction } from "./load-action.ts";

/**
 * The action's file is started by the executor like a `shell:` template; `{0}` is the step's
 * script file, which must appear in the template, so it is preloaded (`-r`) and left empty.
 * The action's own file stays the main module: `require.main === module` and `process.argv[1]`
 * are what the action expects.
 */
const PRELOAD = "// Flotilla: preloaded before a JavaScript action; nothing to do.\n";

/** One phase (`pre`, `main`, `post`) of a JavaScript action, with `STATE_*` from `saved`. */
export function runNodePhase(
  context: StepRunContext,
  action: LoadedAction,
  call: Pick<ActionCall, "env" | "id" | "timeoutMinutes">,
  inputEnv: Record<string, string>,
  file: string,
  saved: Record<string, string>,
): Promise<ProcessRun> {
  const state = Object.fromEntries(Object.entries(saved).map(([name, value]) => [`STATE_${name}`, value]));
  return runProcess(context, {
    script: PRELOAD,
    shell: `"${process.execPath}" -r {0} "${join(action.dir, file)}"`,
    cwd: context.dirs.workspace,
    env: {
      ...call.env,
      ...inputEnv,
      GITHUB_ACTION_PATH: action.dir,
      GITHUB_ACTION_REPOSITORY: action.repository,
      GITHUB_ACTION_REF: action.ref,
      ...state,
    },
    action: call.id,
    ...(call.timeoutMinutes !== undefined ? { timeoutMinutes: call.timeoutMinutes } : {}),
  });
}

/** Whether `pre` of this call ran (or was skipped by `pre-if`) at the start of the job. */
function preRunsAtJobStart(action: LoadedAction, depth: number): boolean {
  return depth === 0 && action.repository !== "";
}

export async function runNodeAction(
  context: StepRunContext,
  action: LoadedAction,
  call: ActionCall,
  inputEnv: Record<string, string>,
): Promise<StepRun> {
  const { runs } = action.metadata;
  const startedAt = new Date();
  const saved: Record<string, string> = {
    ...(call.step !== undefined ? context.state.preStates.get(call.step) : undefined),
  };
  const phase = async (file: string, signal?: AbortSignal): Promise<ProcessRun> => {
    const run = await runNodePhase(signal ? { ...context, signal } : context, action, call, inputEnv, file, saved);
    Object.assign(saved, run.state);
    return run;
  };

  if (!runs.main)
    return {
      outcome: "failure",
      message: `\`uses: ${call.uses}\`: action.yml has no \`runs.main\``,
      startedAt,
      completedAt: new Date(),
      outputs: {},
    };
  if (runs.pre && call.depth === 0 && action.repository === "") {
    // GitHub's own words: the workspace, and so the action, is not there when the job starts.
    context.jobLog.line(`##[warning]\`pre\` execution is not supported for local action from '${call.uses}'`);
  } else if (runs.pre && !preRunsAtJobStart(action, call.depth) && (await holds(context, runs["pre-if"]))) {
    const pre = await phase(runs.pre);
    if (pre.outcome !== "success") return { ...pre, startedAt, message: `pre: ${pre.message ?? "failed"}` };
  }
  const post = runs.post;
  if (post) {
    // Queued before main runs: a main that fails still gets its post (post-if decides). It
    // runs with the signal the post steps get — after a cancel, the cleanup signal.
    context.state.posts.push({
      name: call.name,
      condition: runs["post-if"] ?? "always()",
      async run(signal) {
        const result = await phase(post, signal);
        return result.message ? { outcome: result.outcome, message: result.message } : { outcome: result.outcome };
      },
    });
  }
  const main = await phase(runs.main);
  const { state: _state, ...run } = main;
  return { ...run, startedAt };
}

async function holds(context: StepRunContext, condition: string | undefined): Promise<boolean> {
  try {
    return await context.hashFiles.settle(() =>
      evaluateCondition(condition ?? "always()", context.contexts, context.functions),
    );
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    context.jobLog.line(`##[error]Error evaluating 'pre-if': ${error.message}`);
    return false;
  }
}
