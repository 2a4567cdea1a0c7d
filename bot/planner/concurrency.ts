/**
 * `concurrency:` as GitHub documents it, for a workflow's runs and for `jobs.<id>.concurrency`.
 * Groups are per repository (job groups per repository and namespace: each namespace runs its
 * graph on its own). At most one run (or job) of a group is running and at most one pending:
 *
 * - a newcomer while another is running waits; the one that was already waiting is cancelled
 *   ("Canceling since a higher priority waiting request for '<group>' exists") and the
 *   newcomer takes its place;
 * - with `cancel-in-progress`, the running one and the waiting one are cancelled instead and
 *   the newcomer runs at once;
 * - when the running one completes, the waiting one is released (by whoever completed it:
 *   bot/scheduler/release-jobs.ts hands groups over after every release pass).
 *
 * Here, at plan time: the groups evaluated, recorded on the run and its jobs, and a new run
 * entering its workflow's group. The row-locked state of a group is bot/scheduler/concurrency-groups.ts.
 */
import { jobCheck } from "../runs/links.ts";
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import type { Bus } from "../bus/connect.ts";
import { jobs, runs } from "../../db/schema.ts";
import type { Forge } from "../forges/forge.ts";
import { repoRef } from "../runs/repo-ref.ts";
import { cancelJobs, type CancelDeps } from "../scheduler/cancel-jobs.ts";
import { enterGroup, runKey, supersededReason, waitingReason } from "../scheduler/concurrency-groups.ts";
import { settleNamespace } from "../scheduler/settle.ts";
import { evaluateGroup, type Group } from "../workflows/concurrency-group.ts";
import type { PlannedJob, Workflow, WorkflowProblem } from "../workflows/workflow.ts";
import type { RunRow } from "../runs/rows.ts";
import { currentJobsOf } from "../runs/current-jobs.ts";

export interface GroupContexts {
  github: Record<string, unknown>;
  inputs: Record<string, unknown>;
  /** Named contexts the run's forge adds (RunContext.contexts: `gitlab` on GitLab), by name. */
  [name: string]: unknown;
}

/** The workflow's group for a run. */
export function runGroup(workflow: Workflow, contexts: GroupContexts): Group | undefined {
  return evaluateGroup(workflow.concurrency, { ...contexts });
}

/**
 * `jobs.<id>.concurrency` of each planned job (each matrix leg), evaluated with the job's
 * contexts (`github`, `inputs`, `matrix`, `strategy`), by job key; problems for those that
 * cannot be evaluated.
 */
export function jobGroups(
  planned: PlannedJob[],
  contexts: GroupContexts,
): { groups: Map<string, Group>; problems: WorkflowProblem[] } {
  const groups = new Map<string, Group>();
  const problems: WorkflowProblem[] = [];
  for (const job of planned) {
    // A group that reads `needs` is decided when the job is released (bot/scheduler/release-fields.ts).
    if (!job.job.concurrency || job.deferred?.concurrency || job.refusal) continue;
    try {
      const group = evaluateGroup(job.job.concurrency, {
        ...contexts,
        inputs: job.call?.inputs ?? contexts.inputs,
        matrix: job.matrix ?? {},
        strategy: job.strategy ?? {},
      });
      if (group) groups.set(job.key, group);
    } catch (error) {
      const at = job.job.position ?? { line: 1, column: 1 };
      problems.push({
        message: `job "${job.jobId}": concurrency "${job.job.concurrency.group}" cannot be evaluated: ${(error as Error).message}`,
        ...at,
      });
    }
  }
  return { groups, problems };
}

/** Records each job's group on its rows (every namespace), before any of them is released. */
export async function assignJobGroups(db: Db, run: RunRow, groups: Map<string, Group>): Promise<void> {
  for (const [jobKey, group] of groups) {
    await db
      .update(jobs)
      .set({ concurrencyGroup: group.group, concurrencyCancel: group.cancelInProgress })
      .where(and(currentJobsOf(run.id), eq(jobs.jobKey, jobKey)));
  }
}

/**
 * A new run enters its workflow's group. With cancel-in-progress the older runs of the group
 * are cancelled (their check runs say which run did it) and it runs; without, it runs if the
 * group is free, else waits — replacing (and cancelling) the run that was waiting.
 * Returns why it waits (undefined: it runs), runs promoted meanwhile, and the runs cancelled.
 */
export async function enterRunGroup(
  deps: CancelDeps & { db: Db },
  run: RunRow,
  group: Group,
): Promise<{ waiting?: string; promoted: RunRow | null; cancelled: RunRow[] }> {
  await deps.db.update(runs).set({ concurrencyGroup: group.group }).where(eq(runs.id, run.id));
  run.concurrencyGroup = group.group;
  const key = runKey(run.repository, group.group);
  if (group.cancelInProgress) {
    const cancelled = await cancelOlderRuns(deps, run, group.group);
    const entry = await enterGroup(deps.db, key, run.id, true);
    return { promoted: await runById(deps.db, entry.promoted), cancelled };
  }
  const entry = await enterGroup(deps.db, key, run.id, false);
  const cancelled: RunRow[] = [];
  for (const id of entry.displaced) {
    const old = await runById(deps.db, id);
    if (!old) continue;
    const open = await deps.db
      .select()
      .from(jobs)
      .where(and(currentJobsOf(id), ne(jobs.status, "completed")));
    await cancelJobs(deps, old, open, supersededReason(group.group));
    cancelled.push(old);
  }
  const promoted = await runById(deps.db, entry.promoted);
  if (entry.hold) return { promoted, cancelled };
  return { waiting: await waitingReason(deps.db, key, entry.holder), promoted, cancelled };
}

/** Remembers on a waiting run's jobs why they wait (their check runs say so when they start). */
export async function markRunWaiting(db: Db, run: RunRow, reason: string): Promise<void> {
  await db
    .update(jobs)
    .set({ waitedFor: reason })
    .where(and(currentJobsOf(run.id), isNull(jobs.waitedFor)));
}

/**
 * A waiting run replaced by a newer one while its check runs were being created: the
 * cancellation found no check run to complete, so the ones just created are completed now.
 */
export async function finishCancelledWhilePlanning(
  db: Db,
  forge: Forge,
  run: RunRow,
  publicUrl: string,
  bus?: Bus,
): Promise<void> {
  const done = await db
    .select()
    .from(jobs)
    .where(and(currentJobsOf(run.id), eq(jobs.status, "completed"), eq(jobs.conclusion, "cancelled")));
  // Its pending commit statuses may not have existed yet either.
  for (const namespace of new Set(done.map((r) => r.namespace)))
    await settleNamespace(db, forge, run, namespace, publicUrl, bus);
  for (const row of done) {
    if (row.checkRunId === null) continue;
    const reason = row.message ?? "cancelled";
    await forge.updateCheck(repoRef(run.repository), jobCheck(run, row, row.checkRunId, publicUrl), {
      status: "completed",
      conclusion: "cancelled",
      completedAt: (row.completedAt ?? new Date()).toISOString(),
      output: { title: `Cancelled: ${reason}`, summary: reason },
    });
  }
}

async function runById(db: Db, id: string | null): Promise<RunRow | null> {
  if (id === null) return null;
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  return row ?? null;
}

/** Cancel-in-progress: the older unfinished runs of the group are cancelled; returns them. */
async function cancelOlderRuns(deps: CancelDeps & { db: Db }, run: RunRow, group: string): Promise<RunRow[]> {
  await deps.db.update(runs).set({ concurrencyGroup: group }).where(eq(runs.id, run.id));
  const older = await deps.db
    .select()
    .from(runs)
    .where(
      and(
        eq(runs.repository, run.repository),
        eq(runs.concurrencyGroup, group),
        ne(runs.id, run.id),
        ne(runs.status, "completed"),
      ),
    );
  const olderThanUs = older.filter((r) => r.createdAt <= run.createdAt);
  if (olderThanUs.length === 0) return [];
  const open = await deps.db
    .select()
    .from(jobs)
    .where(
      and(
        inArray(
          jobs.runId,
          olderThanUs.map((r) => r.id),
        ),
        ne(jobs.status, "completed"),
        isNull(jobs.supersededAt),
      ),
    );
  for (const old of olderThanUs) {
    const reason = `Superseded by ${run.sha.slice(0, 7)}: a newer run of concurrency group "${group}" started (${run.workflowName} #${run.runNumber})`;
    await cancelJobs(
      deps,
      old,
      open.filter((j) => j.runId === old.id),
      reason,
    );
  }
  return olderThanUs;
}
