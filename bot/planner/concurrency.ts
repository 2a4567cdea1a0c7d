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
 *   bot/planner/release-jobs.ts hands groups over after every release pass).
 *
 * The state is one `concurrency_groups` row per group, changed only with that row locked, so
 * several bots agree on who holds it. A holder or waiter that completed by any other way
 * (cancelled, skipped) simply no longer counts: nothing has to clean up after it.
 */
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { concurrencyGroups, jobs, runs } from "../../db/schema.ts";
import { repoRef, type Forge } from "../forges/forge.ts";
import { cancelJobs, type CancelDeps } from "../scheduler/cancel-jobs.ts";
import { settleNamespace } from "../scheduler/settle.ts";
import { asString, evaluateTemplate } from "../workflows/evaluate-template.ts";
import type { Concurrency, PlannedJob, Workflow, WorkflowProblem } from "../workflows/workflow.ts";
import type { JobRow, RunRow } from "./store-run.ts";

export interface GroupContexts {
  github: Record<string, unknown>;
  inputs: Record<string, unknown>;
}

export interface Group {
  group: string;
  cancelInProgress: boolean;
}

export interface GroupKey {
  repository: string;
  scope: string;
  name: string;
}

export const RUN_SCOPE = "run";
export const jobScope = (namespace: string): string => `job:${namespace}`;

/** GitHub's words for a waiting run or job that a newer one replaced. */
export function supersededReason(group: string): string {
  return `Canceling since a higher priority waiting request for '${group}' exists`;
}

/** `concurrency` evaluated against the contexts; undefined when there is none (or its group is empty). */
export function evaluateGroup(concurrency: Concurrency | undefined, contexts: Record<string, unknown>): Group | undefined {
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
  return value === true || value === "true" || (typeof value === "number" && value !== 0) || (typeof value === "string" && value !== "" && value !== "false");
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
export function jobGroups(planned: PlannedJob[], contexts: GroupContexts): { groups: Map<string, Group>; problems: WorkflowProblem[] } {
  const groups = new Map<string, Group>();
  const problems: WorkflowProblem[] = [];
  for (const job of planned) {
    if (!job.job.concurrency) continue;
    try {
      const group = evaluateGroup(job.job.concurrency, {
        github: contexts.github,
        inputs: job.call?.inputs ?? contexts.inputs,
        matrix: job.matrix ?? {},
        strategy: job.strategy ?? {},
      });
      if (group) groups.set(job.key, group);
    } catch (error) {
      const at = job.job.position ?? { line: 1, column: 1 };
      problems.push({ message: `job "${job.jobId}": concurrency "${job.job.concurrency.group}" cannot be evaluated: ${(error as Error).message}`, ...at });
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
      .where(and(eq(jobs.runId, run.id), eq(jobs.jobKey, jobKey)));
  }
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** What entering a group decided for the newcomer. */
export interface Entry {
  /** It holds the group now: release it. */
  hold: boolean;
  /** Who holds the group (the newcomer when `hold`). */
  holder: string | null;
  /** A waiter that the holder's completion should have released already: release it now. */
  promoted: string | null;
  /** Runs or jobs to cancel: the waiter it replaced, and with cancel-in-progress the holder. */
  displaced: string[];
}

/**
 * The newcomer `id` (a run id for the run scope, else a job id) asks for the group. Entering
 * again is harmless: the holder stays the holder, the waiter stays the waiter.
 */
export async function enterGroup(db: Db, key: GroupKey, id: string, cancelInProgress: boolean): Promise<Entry> {
  return db.transaction(async (tx) => {
    const row = await lockGroup(tx, key);
    const live = await liveOf(tx, key.scope, [row.running, row.pending]);
    let running = row.running && live.has(row.running) ? row.running : null;
    let pending = row.pending && live.has(row.pending) ? row.pending : null;
    let promoted: string | null = null;
    const displaced: string[] = [];
    let hold: boolean;
    if (running === id) {
      hold = true;
      if (pending === id) pending = null;
    } else if (cancelInProgress) {
      if (running) displaced.push(running);
      if (pending && pending !== id) displaced.push(pending);
      running = id;
      pending = null;
      hold = true;
    } else {
      if (running === null && pending !== null && pending !== id) {
        // The holder completed and its hand-over has not happened yet: the waiter goes first.
        running = pending;
        pending = null;
        promoted = running;
      }
      if (running === null) {
        running = id;
        if (pending === id) pending = null;
        hold = true;
      } else {
        if (pending !== id) {
          if (pending) displaced.push(pending);
          pending = id;
        }
        hold = false;
      }
    }
    if (running !== row.running || pending !== row.pending) {
      await tx.update(concurrencyGroups).set({ running, pending, updatedAt: new Date() }).where(keyIs(key));
    }
    return { hold, holder: running, promoted, displaced };
  });
}

/**
 * After its holder completed: the waiter (if it has not completed meanwhile) holds the group
 * now, and is returned to be released. Nothing changes while the holder is still live.
 */
export async function handOverGroup(db: Db, key: GroupKey): Promise<string | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(concurrencyGroups).where(keyIs(key)).for("update");
    if (!row || row.running === null) return null;
    const live = await liveOf(tx, key.scope, [row.running, row.pending]);
    if (live.has(row.running)) return null;
    const next = row.pending && live.has(row.pending) ? row.pending : null;
    await tx.update(concurrencyGroups).set({ running: next, pending: null, updatedAt: new Date() }).where(keyIs(key));
    return next;
  });
}

/** Whether the run may release jobs: it has no workflow group, or it holds it. */
export async function holdsRunGroup(db: Db, run: RunRow): Promise<boolean> {
  if (!run.concurrencyGroup) return true;
  const [row] = await db
    .select({ running: concurrencyGroups.running })
    .from(concurrencyGroups)
    .where(keyIs(runKey(run.repository, run.concurrencyGroup)));
  // A run planned before groups were recorded has no row: it runs as it always did.
  return !row || row.running === run.id;
}

/** Groups held by jobs of the run that have completed: to be handed over. */
export async function groupsHeldByCompleted(db: Db, rows: JobRow[]): Promise<GroupKey[]> {
  const done = rows.filter((r) => r.concurrencyGroup !== null && r.status === "completed").map((r) => r.id);
  if (done.length === 0) return [];
  const held = await db
    .select({ repository: concurrencyGroups.repository, scope: concurrencyGroups.scope, name: concurrencyGroups.name })
    .from(concurrencyGroups)
    .where(inArray(concurrencyGroups.running, done));
  return held;
}

export function runKey(repository: string, group: string): GroupKey {
  return { repository, scope: RUN_SCOPE, name: group };
}

export function jobKey(repository: string, namespace: string, group: string): GroupKey {
  return { repository, scope: jobScope(namespace), name: group };
}

/** What a job waiting for its group's holder says: "Waiting for deploy: build (CI #3) is running". */
export async function waitingReason(db: Db, key: GroupKey, holder: string | null): Promise<string> {
  if (holder === null) return `Waiting for ${key.name}`;
  if (key.scope === RUN_SCOPE) {
    const [run] = await db.select({ name: runs.workflowName, number: runs.runNumber }).from(runs).where(eq(runs.id, holder));
    return run ? `Waiting for ${key.name}: ${run.name} #${run.number} is running` : `Waiting for ${key.name}`;
  }
  const [job] = await db
    .select({ name: jobs.name, workflow: runs.workflowName, number: runs.runNumber })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(eq(jobs.id, holder));
  return job ? `Waiting for ${key.name}: ${job.name} (${job.workflow} #${job.number}) is running` : `Waiting for ${key.name}`;
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
    const open = await deps.db.select().from(jobs).where(and(eq(jobs.runId, id), ne(jobs.status, "completed")));
    await cancelJobs(deps, old, open, supersededReason(group.group));
    cancelled.push(old);
  }
  const promoted = await runById(deps.db, entry.promoted);
  if (entry.hold) return { promoted, cancelled };
  return { waiting: await waitingReason(deps.db, key, entry.holder), promoted, cancelled };
}

/** Remembers on a waiting run's jobs why they wait (their check runs say so when they start). */
export async function markRunWaiting(db: Db, run: RunRow, reason: string): Promise<void> {
  await db.update(jobs).set({ waitedFor: reason }).where(and(eq(jobs.runId, run.id), isNull(jobs.waitedFor)));
}

/**
 * A waiting run replaced by a newer one while its check runs were being created: the
 * cancellation found no check run to complete, so the ones just created are completed now.
 */
export async function finishCancelledWhilePlanning(db: Db, forge: Forge, run: RunRow, publicUrl: string): Promise<void> {
  const done = await db
    .select()
    .from(jobs)
    .where(and(eq(jobs.runId, run.id), eq(jobs.status, "completed"), eq(jobs.conclusion, "cancelled")));
  // Its pending commit statuses may not have existed yet either.
  for (const namespace of new Set(done.map((r) => r.namespace))) await settleNamespace(db, forge, run, namespace, publicUrl);
  for (const row of done) {
    if (row.checkRunId === null) continue;
    const reason = row.message ?? "cancelled";
    await forge.updateCheck(repoRef(run.repository), row.checkRunId, {
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
export async function cancelOlderRuns(deps: CancelDeps & { db: Db }, run: RunRow, group: string): Promise<RunRow[]> {
  await deps.db.update(runs).set({ concurrencyGroup: group }).where(eq(runs.id, run.id));
  const older = await deps.db
    .select()
    .from(runs)
    .where(and(eq(runs.repository, run.repository), eq(runs.concurrencyGroup, group), ne(runs.id, run.id), ne(runs.status, "completed")));
  const olderThanUs = older.filter((r) => r.createdAt <= run.createdAt);
  if (olderThanUs.length === 0) return [];
  const open = await deps.db
    .select()
    .from(jobs)
    .where(and(inArray(jobs.runId, olderThanUs.map((r) => r.id)), ne(jobs.status, "completed")));
  for (const old of olderThanUs) {
    const reason = `a newer run of concurrency group "${group}" started (${run.workflowName} #${run.runNumber})`;
    await cancelJobs(deps, old, open.filter((j) => j.runId === old.id), reason);
  }
  return olderThanUs;
}

async function lockGroup(tx: Tx, key: GroupKey) {
  await tx.insert(concurrencyGroups).values(key).onConflictDoNothing();
  const [row] = await tx.select().from(concurrencyGroups).where(keyIs(key)).for("update");
  if (!row) throw new Error(`concurrency group ${key.scope} ${key.name} vanished`);
  return row;
}

/** Which of the ids are runs (run scope) or jobs that have not completed. */
async function liveOf(tx: Tx, scope: string, ids: (string | null)[]): Promise<Set<string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Set();
  const table = scope === RUN_SCOPE ? runs : jobs;
  const rows = await tx
    .select({ id: table.id })
    .from(table)
    .where(and(inArray(table.id, wanted), ne(table.status, "completed")));
  return new Set(rows.map((r) => r.id));
}

function keyIs(key: GroupKey) {
  return and(eq(concurrencyGroups.repository, key.repository), eq(concurrencyGroups.scope, key.scope), eq(concurrencyGroups.name, key.name));
}
