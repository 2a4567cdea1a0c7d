/**
 * A job's fields given as expressions, decided when the run is planned — with the contexts
 * GitHub gives them, which do not change between planning and the moment GitHub decides them —
 * except those that read `needs`: they are kept as written (DeferredFields) and decided when the
 * job's needs are done (bot/scheduler/release-fields.ts). The strategy is decided once per job
 * (`github`, `inputs`, `vars`), the other fields per leg (with `matrix` and `strategy` too).
 */
import { booleanField, numberField } from "../../protocol/expressions/index.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";
import { asString, hasTemplate, UnknownContext, type Contexts } from "./evaluate-template.ts";
import { evaluate } from "./expand-level.ts";
import { readsNeeds } from "./resolve-legs.ts";
import { refusalMessage, unsupportedStrategyFromNeeds } from "./unsupported.ts";
import type { DeferredFields, PlannedJob, WorkflowJob } from "./workflow.ts";

/** `fail-fast` and `max-parallel`; fails with why when one cannot be decided (its job is refused). */
export function strategySettings(
  job: WorkflowJob,
  contexts: Contexts,
  unknown: ReadonlySet<string>,
): Result<{ failFast: boolean; maxParallel?: number }> {
  const strategy = job.strategy;
  if (!strategy) return ok({ failFast: true });
  let { failFast, maxParallel } = strategy;
  const { failFastExpression, maxParallelExpression } = strategy;
  for (const [field, expression] of [
    ["fail-fast", failFastExpression],
    ["max-parallel", maxParallelExpression],
  ] as const) {
    if (expression !== undefined && readsNeeds(expression))
      return fail(refusalMessage(unsupportedStrategyFromNeeds(field)));
  }
  try {
    if (failFastExpression !== undefined)
      failFast = known(() => booleanField(failFastExpression, contexts, {}, unknown)) ?? failFast;
    if (maxParallelExpression !== undefined)
      maxParallel = known(() => numberField(maxParallelExpression, contexts, {}, unknown)) ?? maxParallel;
  } catch (error) {
    return fail(`the strategy cannot be evaluated: ${(error as Error).message}`);
  }
  return ok({ failFast, ...(maxParallel !== undefined ? { maxParallel } : {}) });
}

/**
 * One leg's `runs-on`, `timeout-minutes`, `continue-on-error` and `environment` name, decided
 * or deferred. Throws with the field named when one cannot be evaluated.
 */
export function legFields(
  job: WorkflowJob,
  scope: Contexts,
  unknown: ReadonlySet<string>,
): Pick<PlannedJob, "runsOn" | "job" | "environment" | "deferred"> {
  const deferred: DeferredFields = {};
  const leg = { ...job };
  let runsOn: string[] = [];
  if (job.runsOn.some(readsNeeds)) deferred.runsOn = job.runsOn;
  else runsOn = job.runsOn.flatMap((label) => labels(label, scope, unknown));
  const timeout = job.timeoutMinutesExpression;
  delete leg.timeoutMinutesExpression;
  if (timeout !== undefined && readsNeeds(timeout)) deferred.timeoutMinutes = timeout;
  else if (timeout !== undefined)
    leg.timeoutMinutes =
      field("timeout-minutes", timeout, () => numberField(timeout, scope, {}, unknown)) ?? leg.timeoutMinutes;
  const flag = job.continueOnErrorExpression;
  delete leg.continueOnErrorExpression;
  if (flag !== undefined && readsNeeds(flag)) deferred.continueOnError = flag;
  else if (flag !== undefined)
    leg.continueOnError =
      field("continue-on-error", flag, () => booleanField(flag, scope, {}, unknown)) ?? leg.continueOnError;
  if (job.concurrency && readsNeeds(JSON.stringify(job.concurrency))) deferred.concurrency = job.concurrency;
  let environment: PlannedJob["environment"];
  if (job.environment) {
    const { name, url } = job.environment;
    if (readsNeeds(name)) deferred.environmentName = name;
    const evaluated =
      readsNeeds(name) || !hasTemplate(name) ? name : asString(evaluate(name, scope, unknown, "environment"));
    environment = { name: evaluated, ...(url !== undefined ? { url } : {}) };
  }
  return {
    runsOn,
    job: leg,
    ...(environment ? { environment } : {}),
    ...(Object.keys(deferred).length > 0 ? { deferred } : {}),
  };
}

/** One entry of `runs-on`: a label, or an expression giving one or a list of them. */
export function labels(label: string, scope: Contexts, unknown: ReadonlySet<string>): string[] {
  if (!hasTemplate(label)) return [label];
  const value = evaluate(label, scope, unknown, "runs-on");
  return (Array.isArray(value) ? value : [value]).map(asString).filter((l) => l !== "");
}

/** A typed field's value; undefined while a context it reads is not known yet (`flotilla validate`). */
function field<T>(name: string, expression: string, evaluateIt: () => T): T | undefined {
  try {
    return known(evaluateIt);
  } catch (error) {
    throw new Error(`${name} "\${{ ${expression} }}" cannot be evaluated: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function known<T>(evaluateIt: () => T): T | undefined {
  try {
    return evaluateIt();
  } catch (error) {
    if (error instanceof UnknownContext) return undefined;
    throw error;
  }
}
