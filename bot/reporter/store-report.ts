/**
 * The reporter's Postgres reads and writes.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, logChunks, runners, runs } from "../../db/schema.ts";
import { isRunnerId } from "../../protocol/names.ts";
import type { LogChunk, RunnerAnnotation, StepResult } from "../../protocol/messages.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";

/** A report about a job we never planned: its id is not even a job id, or no job row has it. */
export class UnknownJobError extends Error {
  override name = "UnknownJobError";
  constructor(
    readonly jobId: string,
    options?: ErrorOptions,
  ) {
    super(`not a job: ${jobId}`, options);
  }
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Postgres refusing a row that names a job no longer (or never) there: the foreign key. */
function isForeignKeyViolation(error: unknown): boolean {
  const { code, cause } = error as { code?: string; cause?: { code?: string } };
  return (code ?? cause?.code) === "23503";
}

/** The job, its run, and (in the same round trip) whether `runnerId`, the reporting runner, was removed. */
export async function jobWithRun(
  db: Db,
  jobId: string,
  runnerId = "",
): Promise<{ job: JobRow; run: RunRow; runnerRemoved: boolean } | undefined> {
  if (!JOB_ID.test(jobId)) return undefined;
  const removed = isRunnerId(runnerId)
    ? sql<boolean>`exists (select 1 from ${runners} where ${runners.id} = ${runnerId} and ${runners.removedAt} is not null)`
    : sql<boolean>`false`;
  const [row] = await db
    .select({ job: jobs, run: runs, runnerRemoved: removed })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(eq(jobs.id, jobId));
  return row;
}

/** Stores a chunk only when it carries the job's claim: no runner can write into a log of a job it was not given. */
export async function saveLogChunk(db: Db, chunk: LogChunk): Promise<void> {
  if (!JOB_ID.test(chunk.executionId)) throw new UnknownJobError(chunk.executionId);
  await db
    .execute(
      sql`
    insert into ${logChunks} (job_id, attempt, seq, "offset", data)
    select ${chunk.executionId}::uuid, ${chunk.attempt}, ${chunk.seq}, ${chunk.offset}, ${chunk.data}
    where exists (select 1 from ${jobs} where ${jobs.id} = ${chunk.executionId}::uuid and coalesce(${jobs.claim}, ${chunk.claim}) = ${chunk.claim})
    on conflict do nothing`,
    )
    .catch((error: unknown) => {
      throw isForeignKeyViolation(error) ? new UnknownJobError(chunk.executionId, { cause: error }) : error;
    });
}

/**
 * A runner started an attempt. A newer attempt while the previous one was still held (never
 * completed nor handed back) means that runner vanished: one more lost attempt (answered).
 */
export async function markStarted(
  db: Db,
  job: JobRow,
  attempt: number,
  runner: { id: string; name: string },
  at: Date,
): Promise<number> {
  const lost = job.status === "in_progress" && job.runnerId !== null && attempt > job.attempt ? 1 : 0;
  await db
    .update(jobs)
    .set({
      status: "in_progress",
      attempt,
      runnerName: runner.name,
      runnerId: isRunnerId(runner.id) ? runner.id : null,
      startedAt: at,
      steps: [],
      lostAttempts: sql`${jobs.lostAttempts} + ${lost}`,
    })
    .where(eq(jobs.id, job.id));
  return lost;
}

/** The attempt's runner gave it back unfinished: nobody holds it, and it is not lost. */
export async function markReleased(db: Db, jobId: string, attempt: number): Promise<void> {
  await db
    .update(jobs)
    .set({ runnerId: null })
    .where(and(eq(jobs.id, jobId), eq(jobs.attempt, attempt)));
}

/**
 * Records one step's progress in a single statement (steps report often): replaces the step's
 * entry, merging so `startedAt` survives the completed report. Reports of an older attempt, or
 * after the job completed, change nothing.
 */
export async function saveStep(
  db: Db,
  jobId: string,
  attempt: number,
  claim: string,
  step: JobRow["steps"][number],
): Promise<void> {
  if (!JOB_ID.test(jobId)) throw new UnknownJobError(jobId);
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
  result: {
    attempt: number;
    conclusion: string;
    steps: StepResult[];
    message?: string;
    outputs: Record<string, string>;
    annotations?: RunnerAnnotation[];
    at: Date;
  },
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
      annotations: result.annotations ?? [],
      steps: result.steps.map((s) => ({ ...s, status: "completed" })),
    })
    .where(eq(jobs.id, jobId));
}
