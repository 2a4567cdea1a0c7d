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

export async function saveLogChunk(db: Db, chunk: LogChunk): Promise<void> {
  await db
    .insert(logChunks)
    .values({ jobId: chunk.executionId, attempt: chunk.attempt, seq: chunk.seq, offset: chunk.offset, data: chunk.data })
    .onConflictDoNothing();
}

export async function markStarted(db: Db, jobId: string, attempt: number, runnerName: string, at: Date): Promise<void> {
  await db.update(jobs).set({ status: "in_progress", attempt, runnerName, startedAt: at, steps: [] }).where(eq(jobs.id, jobId));
}

export async function saveStep(db: Db, job: JobRow, step: JobRow["steps"][number]): Promise<void> {
  const steps = job.steps.filter((s) => s.index !== step.index);
  steps.push(step);
  steps.sort((a, b) => a.index - b.index);
  await db.update(jobs).set({ steps }).where(eq(jobs.id, job.id));
}

export async function markCompleted(
  db: Db,
  jobId: string,
  result: { attempt: number; conclusion: string; steps: StepResult[]; message?: string; at: Date },
): Promise<void> {
  await db
    .update(jobs)
    .set({
      status: "completed",
      attempt: result.attempt,
      conclusion: result.conclusion,
      completedAt: result.at,
      message: result.message ?? null,
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
    const mine = await tx.select({ status: jobs.status, conclusion: jobs.conclusion }).from(jobs).where(and(eq(jobs.runId, runId), eq(jobs.namespace, namespace)));
    if (mine.some((j) => j.status !== "completed")) return;
    const state = mine.every((j) => j.conclusion === "success" || j.conclusion === "skipped") ? "success" : "failure";
    await post(state, status.context);
    await tx.update(runStatuses).set({ state, updatedAt: new Date() }).where(and(eq(runStatuses.runId, runId), eq(runStatuses.namespace, namespace)));
    const open = await tx.select({ n: sql<number>`count(*)` }).from(jobs).where(and(eq(jobs.runId, runId), sql`${jobs.status} <> 'completed'`));
    if (Number(open[0]?.n ?? 0) === 0) {
      const failed = await tx
        .select({ n: sql<number>`count(*)` })
        .from(jobs)
        .where(and(eq(jobs.runId, runId), sql`coalesce(${jobs.conclusion}, '') not in ('success', 'skipped')`));
      await tx
        .update(runs)
        .set({ status: "completed", conclusion: Number(failed[0]?.n ?? 0) === 0 ? "success" : "failure", completedAt: new Date() })
        .where(eq(runs.id, runId));
    }
  });
}
