/**
 * A composite action (`runs.using: composite`): its steps run in order inside the one step
 * that called it, as on GitHub — each `run:` (with its required `shell`) or `uses:` (nested
 * composites, JavaScript actions, built-ins), with `if`, `continue-on-error`, and contexts of
 * its own: `inputs` (the action's), `steps` (the composite's), `github.action_path`. Its
 * outputs are its `outputs.<name>.value` templates, evaluated once its steps are done.
 */
import type { JobStep } from "../../protocol/messages.ts";
import { evaluateCondition, ExpressionError, interpolate, type Contexts } from "../../protocol/expressions/index.ts";
import { statusFunctions, type JobStatus } from "../expressions/status-functions.ts";
import type { StepContext } from "../step/job-state.ts";
import { resolveInside, runProcess, type StepRun, type StepRunContext } from "../step/run-process.ts";
import { evaluateStepFields, StepExpressionError } from "../step/step-fields.ts";
import { defaultActionId, type ActionCall } from "./action-call.ts";
import type { LoadedAction } from "./load-action.ts";
import type { CompositeStep } from "./metadata.ts";

/**
 * How a `uses:` step of the composite runs: run-action.ts's runUses, passed in by it — the one
 * recursion of the runner (a composite's steps may call composites), kept out of the imports.
 */
export type RunUses = (context: StepRunContext, call: ActionCall) => Promise<StepRun>;

export async function runComposite(
  context: StepRunContext,
  action: LoadedAction,
  call: ActionCall,
  inputs: Record<string, string>,
  runUses: RunUses,
): Promise<StepRun> {
  const startedAt = new Date();
  const { jobLog, state } = context;
  const local: Record<string, StepContext> = {};
  let status: JobStatus = "success";
  let failed: { message: string; run: InnerRun } | undefined;
  const envBefore = { ...state.env };
  const github = {
    ...(context.contexts.github as Record<string, unknown>),
    action_path: action.dir,
    action_repository: action.repository,
    action_ref: action.ref,
  };
  const functions = { ...context.functions, ...statusFunctions(() => status) };
  const scope = (): Contexts => ({
    ...context.contexts,
    github,
    inputs,
    steps: local,
    env: { ...call.env, ...changedEnv(envBefore, state.env) },
  });

  for (const [index, raw] of (action.metadata.runs.steps ?? []).entries()) {
    const inner: StepRunContext = { ...context, contexts: scope(), functions };
    const step = jobStep(raw, inner);
    jobLog.line(`▷ ${jobLog.mask(step.name)}`);
    const run = await runInnerStep(inner, step, index, call, action, runUses);
    const forgiven = run.outcome === "failure" && step.continueOnError;
    const conclusion = forgiven ? "success" : run.outcome;
    if (step.id) local[step.id] = { outputs: run.outputs, outcome: run.outcome, conclusion };
    if (run.message && run.outcome !== "skipped")
      jobLog.line(`${run.outcome === "cancelled" ? "" : "##[error]"}${step.name}: ${run.message}`);
    if (conclusion === "cancelled") status = "cancelled";
    else if (conclusion === "failure" || conclusion === "timed_out") {
      status = "failure";
      failed ??= { message: `${step.name}: ${run.message ?? "failed"}`, run };
    }
  }

  const outputs: Record<string, string> = {};
  const final = scope();
  for (const [name, output] of Object.entries(action.metadata.outputs ?? {})) {
    try {
      outputs[name] = await context.hashFiles.settle(() => interpolate(output.value ?? "", final, functions));
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      jobLog.line(`##[warning]output '${name}' of ${call.uses}: ${error.message}`);
    }
  }
  const completedAt = new Date();
  if (failed)
    return {
      outcome: failed.run.outcome === "timed_out" ? "timed_out" : "failure",
      message: failed.message,
      startedAt,
      completedAt,
      outputs,
    };
  if (status === "cancelled") return { outcome: "cancelled", message: "cancelled", startedAt, completedAt, outputs };
  return { outcome: "success", startedAt, completedAt, outputs };
}

type InnerRun = Omit<StepRun, "outcome"> & { outcome: StepRun["outcome"] | "skipped" };

async function runInnerStep(
  context: StepRunContext,
  step: JobStep,
  index: number,
  call: ActionCall,
  action: LoadedAction,
  runUses: RunUses,
): Promise<InnerRun> {
  const now = new Date();
  const fail = (message: string): InnerRun => ({
    outcome: "failure",
    message,
    startedAt: now,
    completedAt: new Date(),
    outputs: {},
  });
  try {
    const go = await context.hashFiles.settle(() => evaluateCondition(step.if, context.contexts, context.functions));
    if (!go) return { outcome: "skipped", startedAt: now, completedAt: now, outputs: {} };
    // `defaults.run` of the workflow does not reach into an action, as on GitHub.
    const fields = await context.hashFiles.settle(() =>
      evaluateStepFields(step, { ...context.job, defaults: {} }, context.contexts, context.functions),
    );
    if (step.uses !== undefined) {
      return await runUses(context, {
        uses: step.uses,
        with: fields.with,
        env: fields.env,
        id: step.id ?? defaultActionId(step.uses),
        name: step.name,
        depth: call.depth + 1,
      });
    }
    if (step.shell === undefined)
      return fail("Required property is missing: shell (every `run` step of a composite action needs one)");
    return await runProcess(context, {
      script: fields.run ?? "",
      ...(fields.shell !== undefined ? { shell: fields.shell } : {}),
      cwd: fields.workingDirectory
        ? resolveInside(context.dirs.workspace, fields.workingDirectory)
        : context.dirs.workspace,
      // `$GITHUB_ACTION_PATH/script.sh` is how composite actions reach their own files.
      env: {
        ...fields.env,
        GITHUB_ACTION_PATH: action.dir,
        GITHUB_ACTION_REPOSITORY: action.repository,
        GITHUB_ACTION_REF: action.ref,
      },
      action: step.id ?? `__run_${index}`,
    });
  } catch (error) {
    if (error instanceof ExpressionError) return fail(`Error evaluating 'if': ${error.message}`);
    if (error instanceof StepExpressionError) return fail(error.message);
    throw error;
  }
}

function jobStep(raw: CompositeStep, context: StepRunContext): JobStep {
  const rawName =
    raw.name ?? (raw.run !== undefined ? `Run ${raw.run.trim().split("\n")[0]}` : `Run ${raw.uses ?? "?"}`);
  let name = rawName;
  try {
    name = interpolate(rawName, context.contexts, context.functions);
  } catch {
    // The name stays as written; a broken template elsewhere in the step reports itself.
  }
  const continueOnError = raw["continue-on-error"];
  return {
    name,
    ...(raw.id !== undefined ? { id: raw.id } : {}),
    ...(raw.if !== undefined ? { if: raw.if } : {}),
    ...(raw.run !== undefined ? { run: raw.run } : {}),
    ...(raw.uses !== undefined ? { uses: raw.uses } : {}),
    ...(raw.shell !== undefined ? { shell: raw.shell } : {}),
    ...(raw["working-directory"] !== undefined ? { workingDirectory: raw["working-directory"] } : {}),
    with: raw.with ?? {},
    env: raw.env ?? {},
    continueOnError:
      continueOnError === true || (typeof continueOnError === "string" && safeTrue(continueOnError, context)),
  };
}

function safeTrue(template: string, context: StepRunContext): boolean {
  try {
    return interpolate(template, context.contexts, context.functions).trim() === "true";
  } catch {
    return false;
  }
}

/** What GITHUB_ENV changed since the composite began: later steps of it see those too. */
function changedEnv(before: Record<string, string>, now: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(now).filter(([key, value]) => before[key] !== value));
}
