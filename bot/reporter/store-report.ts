/**
 * The reporter's Postgres reads and writes.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, logChunks, runs, runStatuses } from "../../db/schema.ts";
import type { LogChunk, StepResult } from "../../protocol/messages.ts";

export type JobRow = typeof jobs.$inferSelect;
export type RunRow = typeof runs.$inferSelect;

export async function jobWithRun(db: Db, jobId: string): Promise<{ job: JobRow; run: RunRow } | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(jobId)) return undefined;
  const [row] = await db.select({ job: jobs, run: runs }).from(jobs).innerJoin(runs, eq(jobs.runId, runs.id)).where(eq(jobs.id, jobId));
  return row;
}

/** The other legs of the same matrix job, in the same run and namespace. */
export async function siblingsOf(db: Db, job: JobRow): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.runId, job.runId), eq(jobs.namespace, job.namespace), eq(jobs.jobId, job.jobId), sql`${jobs.id} <> ${job.id}`));
}

export async function saveLogChunk(db: Db, chunk: LogChunk): Promise<void> {
  await db
    .insert(logChunks)
    .values({ jobId: chunk.executionId, attempt: chunk.attempt, seq: chunk.seq, offset: chunk.offset, data: chunk.data })
    .onConflictDoNothing();
}

export async function markStarted(db: Db, jobId: string, attempt: number, runnerName: string, at: Date): Promise<void> {
  await db.update(jobs).set({ status: "in_progress", attempt, runnerName, startedAt: at, steps: [] }).where(eq(jobs.id, jobId));
}

/**
 * Records one step's progress in a single statement (steps report often): replaces the step's
 * entry, merging so `startedAt` survives the completed report. Reports of an older attempt, or
 * after the job completed, change nothing.
 */
export async function saveStep(db: Db, jobId: string, attempt: number, step: JobRow["steps"][number]): Promise<void> {
  const entry = JSON.stringify(step);
  await db.execute(sql`
    update ${jobs} set steps = (
      select coalesce(jsonb_agg(e order by (e->>'index')::int), '[]'::jsonb) from (
        select e from jsonb_array_elements(${jobs.steps}) e where (e->>'index')::int <> ${step.index}
        union all
        select coalesce((select e from jsonb_array_elements(${jobs.steps}) e where (e->>'index')::int = ${step.index}), '{}'::jsonb) || ${entry}::jsonb
      ) s(e)
    )
    where ${jobs.id} = ${jobId} and ${jobs.attempt} <= ${attempt} and ${jobs.status} <> 'completed'`);
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
