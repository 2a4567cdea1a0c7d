/**
 * The reporter's Postgres reads and writes.
 */
import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, logChunks, runners, runs, runStatuses } from "../../db/schema.ts";
import { isRunnerId } from "../../protocol/names.ts";
import type { LogChunk, StepResult } from "../../protocol/messages.ts";

export type JobRow = typeof jobs.$inferSelect;
export type RunRow = typeof runs.$inferSelect;

/** The job, its run, and (in the same round trip) whether `runnerId`, the reporting runner, was removed. */
export async function jobWithRun(db: Db, jobId: string, runnerId = ""): Promise<{ job: JobRow; run: RunRow; runnerRemoved: boolean } | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(jobId)) return undefined;
  const removed = isRunnerId(runnerId)
    ? sql<boolean>`exists (select 1 from ${runners} where ${runners.id} = ${runnerId} and ${runners.removedAt} is not null)`
    : sql<boolean>`false`;
  const [row] = await db.select({ job: jobs, run: runs, runnerRemoved: removed }).from(jobs).innerJoin(runs, eq(jobs.runId, runs.id)).where(eq(jobs.id, jobId));
  return row;
}

/**
 * Whether some job of the run is still waiting to be published (for its needs, max-parallel or a
 * group), or was claimed but its message never acked by JetStream (a publish to retry).
 */
export async function hasUnreleasedJobs(db: Db, runId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.runId, runId), eq(jobs.status, "queued"), or(isNull(jobs.publishedAt), isNull(jobs.streamSeq))))
    .limit(1);
  return row !== undefined;
}

/** The other legs of the same matrix job, in the same run and namespace. */
export async function siblingsOf(db: Db, job: JobRow): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.runId, job.runId), eq(jobs.namespace, job.namespace), eq(jobs.jobId, job.jobId), sql`${jobs.id} <> ${job.id}`));
}

/** Stores a chunk only when it carries the job's claim: no runner can write into a log of a job it was not given. */
export async function saveLogChunk(db: Db, chunk: LogChunk): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(chunk.executionId)) throw Object.assign(new Error(`not a job id: ${chunk.executionId}`), { code: "22P02" });
  await db.execute(sql`
    insert into ${logChunks} (job_id, attempt, seq, "offset", data)
    select ${chunk.executionId}::uuid, ${chunk.attempt}, ${chunk.seq}, ${chunk.offset}, ${chunk.data}
    where exists (select 1 from ${jobs} where ${jobs.id} = ${chunk.executionId}::uuid and coalesce(${jobs.claim}, ${chunk.claim}) = ${chunk.claim})
    on conflict do nothing`);
}

/**
 * A runner started an attempt. A newer attempt while the previous one was still held (never
 * completed nor handed back) means that runner vanished: one more lost attempt.
 */
export async function markStarted(db: Db, job: JobRow, attempt: number, runner: { id: string; name: string }, at: Date): Promise<void> {
  const lost = job.status === "in_progress" && job.runnerId !== null && attempt > job.attempt ? 1 : 0;
  await db
    .update(jobs)
    .set({ status: "in_progress", attempt, runnerName: runner.name, runnerId: isRunnerId(runner.id) ? runner.id : null, startedAt: at, steps: [], lostAttempts: sql`${jobs.lostAttempts} + ${lost}` })
    .where(eq(jobs.id, job.id));
}

/** The attempt's runner gave it back unfinished: nobody holds it, and it is not lost. */
export async function markReleased(db: Db, jobId: string, attempt: number): Promise<void> {
  await db.update(jobs).set({ runnerId: null }).where(and(eq(jobs.id, jobId), eq(jobs.attempt, attempt)));
}


/**
 * Records one step's progress in a single statement (steps report often): replaces the step's
 * entry, merging so `startedAt` survives the completed report. Reports of an older attempt, or
 * after the job completed, change nothing.
 */
export async function saveStep(db: Db, jobId: string, attempt: number, claim: string, step: JobRow["steps"][number]): Promise<void> {
  const entry = JSON.stringify(step);
  await db.execute(sql`
    update ${jobs} set steps = (
      select coalesce(jsonb_agg(e order by (e->>'index')::int), '[]'::jsonb) from (
        select e from jsonb_array_elements(${jobs.steps}) e where (e->>'index')::int <> ${step.index}
        union all
        select coalesce((select e from jsonb_array_elements(${jobs.steps}) e where (e->>'index')::int = ${step.index}), '{}'::jsonb) || ${entry}::jsonb
      ) s(e)
    )
    where ${jobs.id} = ${jobId} and ${jobs.attempt} <= ${attempt} and ${jobs.status} <> 'completed' and coalesce(${jobs.claim}, ${claim}) = ${claim}`);
}

export async function markCompleted(
  db: Db,
  jobId: string,
  result: { attempt: number; conclusion: string; steps: StepResult[]; message?: string; outputs: Record<string, string>; at: Date },
): Promise<void> {
  await db
    .update(jobs)
    .set({
      status: "completed",
      attempt: result.attempt,
      conclusion: result.conclusion,
      completedAt: result.at,
      message: result.message ?? null,
      outputs: result.outputs,
      steps: result.steps.map((s) => ({ ...s, status: "completed" })),
    })
    .where(eq(jobs.id, jobId));
}

/**
 * When the last job of a run in a namespace has finished, decides that namespace's commit
 * status exactly once: the row lock makes two reporters finishing the last two jobs agree.
 */
export async function settleRunStatus(
  db: Db,
  runId: string,
  namespace: string,
  post: (state: "success" | "failure", context: string) => Promise<void>,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [status] = await tx
      .select()
      .from(runStatuses)
      .where(and(eq(runStatuses.runId, runId), eq(runStatuses.namespace, namespace)))
      .for("update");
    if (!status || status.state !== "pending") return;
    // `continue-on-error` jobs never fail the run, whatever they concluded.
    const passed = sql`(coalesce(${jobs.conclusion}, '') in ('success', 'skipped') or ${jobs.continueOnError})`;
    const [counts] = await tx
      .select({
        openHere: sql<number>`count(*) filter (where ${jobs.namespace} = ${namespace} and ${jobs.status} <> 'completed')`.mapWith(Number),
        failedHere: sql<number>`count(*) filter (where ${jobs.namespace} = ${namespace} and not ${passed})`.mapWith(Number),
        open: sql<number>`count(*) filter (where ${jobs.status} <> 'completed')`.mapWith(Number),
        failed: sql<number>`count(*) filter (where not ${passed})`.mapWith(Number),
      })
      .from(jobs)
      .where(eq(jobs.runId, runId));
    if (!counts || counts.openHere > 0) return;
    const state = counts.failedHere === 0 ? "success" : "failure";
    await post(state, status.context);
    await tx.update(runStatuses).set({ state, updatedAt: new Date() }).where(and(eq(runStatuses.runId, runId), eq(runStatuses.namespace, namespace)));
    if (counts.open === 0) {
      await tx
        .update(runs)
        .set({ status: "completed", conclusion: counts.failed === 0 ? "success" : "failure", completedAt: new Date() })
        .where(eq(runs.id, runId));
    }
  });
}
