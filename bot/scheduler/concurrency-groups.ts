/**
 * The state of `concurrency:` groups (see bot/planner/concurrency.ts for what they mean): one
 * `concurrency_groups` row per group, holding who runs and who waits, changed only with that row
 * locked, so several bots agree on who holds it. A holder or waiter that completed by any other
 * way (cancelled, skipped) simply no longer counts: nothing has to clean up after it. Groups are
 * handed over after every release pass (release-jobs.ts).
 */
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { concurrencyGroups, jobs, runs } from "../../db/schema.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";

export interface GroupKey {
  repository: string;
  scope: string;
  name: string;
}

const RUN_SCOPE = "run";

const jobScope = (namespace: string): string => `job:${namespace}`;

/** GitHub's words for a waiting run or job that a newer one replaced. */
export function supersededReason(group: string): string {
  return `Canceling since a higher priority waiting request for '${group}' exists`;
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
    const [run] = await db
      .select({ name: runs.workflowName, number: runs.runNumber })
      .from(runs)
      .where(eq(runs.id, holder));
    return run ? `Waiting for ${key.name}: ${run.name} #${run.number} is running` : `Waiting for ${key.name}`;
  }
  const [job] = await db
    .select({ name: jobs.name, workflow: runs.workflowName, number: runs.runNumber })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(eq(jobs.id, holder));
  return job
    ? `Waiting for ${key.name}: ${job.name} (${job.workflow} #${job.number}) is running`
    : `Waiting for ${key.name}`;
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
  return and(
    eq(concurrencyGroups.repository, key.repository),
    eq(concurrencyGroups.scope, key.scope),
    eq(concurrencyGroups.name, key.name),
  );
}
