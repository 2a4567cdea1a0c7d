/**
 * `concurrency:` with `cancel-in-progress`: a newer run of the same group, in the same
 * repository, cancels the older runs' unfinished jobs, and their check runs say why.
 */
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, runs } from "../../db/schema.ts";
import { cancelJobs, type CancelDeps } from "../reporter/cancel-jobs.ts";
import { asString, evaluateTemplate } from "../workflows/evaluate-template.ts";
import type { Workflow } from "../workflows/workflow.ts";
import type { RunRow } from "./store-run.ts";

export interface GroupContexts {
  github: Record<string, unknown>;
  inputs: Record<string, unknown>;
}

/** The run's group, evaluated; undefined when the workflow has none or does not cancel. */
export function cancellingGroup(workflow: Workflow, contexts: GroupContexts): string | undefined {
  const concurrency = workflow.concurrency;
  if (!concurrency?.group) return undefined;
  const all = { ...contexts, vars: {} };
  const cancel = concurrency.cancelInProgressExpression ? Boolean(evaluateTemplate(concurrency.cancelInProgressExpression, all)) : concurrency.cancelInProgress;
  if (!cancel) return undefined;
  return asString(evaluateTemplate(concurrency.group, all));
}

export async function cancelOlderRuns(deps: CancelDeps & { db: Db }, run: RunRow, group: string): Promise<void> {
  await deps.db.update(runs).set({ concurrencyGroup: group }).where(eq(runs.id, run.id));
  const older = await deps.db
    .select()
    .from(runs)
    .where(and(eq(runs.repository, run.repository), eq(runs.concurrencyGroup, group), ne(runs.id, run.id), ne(runs.status, "completed")));
  const olderThanUs = older.filter((r) => r.createdAt <= run.createdAt);
  if (olderThanUs.length === 0) return;
  const open = await deps.db
    .select()
    .from(jobs)
    .where(and(inArray(jobs.runId, olderThanUs.map((r) => r.id)), ne(jobs.status, "completed")));
  for (const old of olderThanUs) {
    const reason = `a newer run of concurrency group "${group}" started (${run.workflowName} #${run.runNumber})`;
    await cancelJobs(deps, old, open.filter((j) => j.runId === old.id), reason);
  }
}
