/**
 * A `concurrency:` (a workflow's or a job's) evaluated into the group it names: when the run is
 * planned (bot/planner/concurrency.ts), or for a job's group that reads `needs`, when the job
 * is released (bot/scheduler/release-fields.ts).
 */
import { asString, evaluateTemplate } from "./evaluate-template.ts";
import type { Concurrency } from "./workflow.ts";

export interface Group {
  group: string;
  cancelInProgress: boolean;
}

/** `concurrency` evaluated against the contexts; undefined when there is none (or its group is empty). */
export function evaluateGroup(
  concurrency: Concurrency | undefined,
  contexts: Record<string, unknown>,
): Group | undefined {
  if (!concurrency?.group) return undefined;
  const all = { vars: {}, ...contexts };
  const group = asString(evaluateTemplate(concurrency.group, all));
  if (group === "") return undefined;
  const cancelInProgress = concurrency.cancelInProgressExpression
    ? truthy(evaluateTemplate(`\${{ ${concurrency.cancelInProgressExpression} }}`, all))
    : concurrency.cancelInProgress;
  return { group, cancelInProgress };
}

function truthy(value: unknown): boolean {
  return (
    value === true ||
    value === "true" ||
    (typeof value === "number" && value !== 0) ||
    (typeof value === "string" && value !== "" && value !== "false")
  );
}
