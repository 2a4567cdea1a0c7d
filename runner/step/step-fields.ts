/**
 * A step's text fields with their `${{ }}` templates evaluated, in GitHub's order: the
 * step's `env` first (its values see the job's `env`), then everything else with the step's
 * `env` in the `env` context. `defaults.run` fills `shell` and `working-directory` for `run`
 * steps that set neither.
 */
import type { JobMessage, JobStep } from "../../protocol/messages.ts";
import {
  ExpressionError,
  interpolate,
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
  const field = (name: string, template: string, scope: Contexts): string => {
    try {
      return interpolate(template, scope, functions);
    } catch (error) {
      if (error instanceof ExpressionError) throw new StepExpressionError(name, error);
      throw error;
    }
  };
  const env: Record<string, string> = { ...(contexts.env as Record<string, string>) };
  for (const [key, value] of Object.entries(step.env)) env[key] = field(`env.${key}`, value, contexts);
  const scope: Contexts = { ...contexts, env };
  const withValues: Record<string, string> = {};
  for (const [key, value] of Object.entries(step.with)) withValues[key] = field(`with.${key}`, value, scope);
  const isRun = step.run !== undefined;
  const shell = step.shell ?? (isRun ? job.defaults.shell : undefined);
  const workingDirectory = step.workingDirectory ?? (isRun ? job.defaults.workingDirectory : undefined);
  return {
    env,
    with: withValues,
    ...(step.run !== undefined ? { run: field("run", step.run, scope) } : {}),
    ...(shell !== undefined ? { shell: field("shell", shell, scope) } : {}),
    ...(workingDirectory !== undefined
      ? { workingDirectory: field("working-directory", workingDirectory, scope) }
      : {}),
  };
}

/** The job's `env` values may hold templates (`${{ matrix.node }}`). The bot sends workflow and job env merged, so a key sees the keys before it: close to job env seeing workflow env. */
export function evaluateJobEnv(
  job: JobMessage,
  contexts: Contexts,
  functions: ExpressionFunctions,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(job.env)) {
    try {
      env[key] = interpolate(value, { ...contexts, env }, functions);
    } catch (error) {
      if (error instanceof ExpressionError) throw new StepExpressionError(`env.${key}`, error);
      throw error;
    }
  }
  return env;
}
