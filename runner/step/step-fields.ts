/**
 * A step's text fields with their `${{ }}` templates evaluated, in GitHub's order: the
 * step's `env` first (its values see the job's `env`), then everything else with the step's
 * `env` in the `env` context. `defaults.run` fills `shell` and `working-directory` for `run`
 * steps that set neither.
 */
import type { JobMessage, JobStep } from "../../protocol/messages.ts";
import {
  booleanField,
  ExpressionError,
  interpolate,
  numberField,
  type Contexts,
  type ExpressionFunctions,
} from "../../protocol/expressions/index.ts";

export interface EvaluatedStep {
  /** The `env` a step's process gets from the user: job env, GITHUB_ENV, then the step's. */
  env: Record<string, string>;
  run?: string;
  shell?: string;
  workingDirectory?: string;
  with: Record<string, string>;
}

/** An expression error with the field it came from, for a message a user can act on. */
export class StepExpressionError extends Error {
  override name = "StepExpressionError";
  constructor(
    readonly field: string,
    cause: ExpressionError,
  ) {
    super(`Error evaluating '${field}': ${cause.message} (in "${cause.expression}")`, { cause });
  }
}

/** Throws StepExpressionError. `contexts.env` must be the env before the step's own. */
export function evaluateStepFields(
  step: JobStep,
  job: JobMessage,
  contexts: Contexts,
  functions: ExpressionFunctions,
): EvaluatedStep {
  const field = (name: string, template: string, scope: Contexts): string =>
    named(name, () => interpolate(template, scope, functions));
  const env = stepEnv(step, contexts, functions);
  const scope: Contexts = { ...contexts, env };
  const withValues: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.with)) withValues[key] = field(`with.${key}`, value, scope);
  const isRun = step.run !== undefined;
  // `defaults.run` sees the job's `env`, not the step's (GitHub evaluates it for the whole job).
  const setting = (name: string, own: string | undefined, fallback: string | undefined): string | undefined => {
    if (own !== undefined) return field(name, own, scope);
    return isRun && fallback !== undefined ? field(`defaults.run.${name}`, fallback, contexts) : undefined;
  };
  const shell = setting("shell", step.shell, job.defaults.shell);
  const workingDirectory = setting("working-directory", step.workingDirectory, job.defaults.workingDirectory);
  return {
    env,
    with: withValues,
    ...(step.run !== undefined ? { run: field("run", step.run, scope) } : {}),
    ...(shell !== undefined ? { shell } : {}),
    ...(workingDirectory !== undefined ? { workingDirectory } : {}),
  };
}

/**
 * The step with `timeout-minutes` and `continue-on-error` given as expressions decided, as the
 * step is about to run (GitHub's contexts for them include `steps`, `env` with the step's own,
 * `job`, `runner` and `hashFiles`). Throws StepExpressionError, also for a value of the wrong type.
 */
export function evaluateStepSettings(step: JobStep, contexts: Contexts, functions: ExpressionFunctions): JobStep {
  const { timeoutMinutesExpression: timeout, continueOnErrorExpression: flag, ...settled } = step;
  if (timeout === undefined && flag === undefined) return step;
  const scope: Contexts = { ...contexts, env: stepEnv(step, contexts, functions) };
  if (timeout !== undefined)
    settled.timeoutMinutes = named("timeout-minutes", () => numberField(timeout, scope, functions));
  if (flag !== undefined)
    settled.continueOnError = named("continue-on-error", () => booleanField(flag, scope, functions));
  return settled;
}

/** The `env` a step's fields see: the env before the step, then the step's own, evaluated in order. */
function stepEnv(step: JobStep, contexts: Contexts, functions: ExpressionFunctions): Record<string, string> {
  const env: Record<string, string> = { ...(contexts.env as Record<string, string>) };
  for (const [key, value] of Object.entries(step.env))
    env[key] = named(`env.${key}`, () => interpolate(value, contexts, functions));
  return env;
}

/** Runs one field's evaluation, naming the field in the error a user sees. */
function named<T>(field: string, evaluate: () => T): T {
  try {
    return evaluate();
  } catch (error) {
    if (error instanceof ExpressionError) throw new StepExpressionError(field, error);
    throw error;
  }
}

/** The job's `env` values may hold templates (`${{ matrix.node }}`). The bot sends workflow and job env merged, so a key sees the keys before it: close to job env seeing workflow env. */
export function evaluateJobEnv(
  job: JobMessage,
  contexts: Contexts,
  functions: ExpressionFunctions,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(job.env))
    env[key] = named(`env.${key}`, () => interpolate(value, { ...contexts, env }, functions));
  return env;
}
