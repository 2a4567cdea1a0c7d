/**
 * The scheduler's Postgres reads and writes that are not a release pass's own: what is left to
 * release, a matrix job's other legs, and the commit status decided once per namespace.
 */
import { and, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, runs, runStatuses } from "../../db/schema.ts";
import type { JobRow } from "../runs/rows.ts";
import { currentJobsOf } from "../runs/current-jobs.ts";

/**
 * Whether some job of the run is still waiting to be published (for its needs, max-parallel or a
 * group), or was claimed but its message never acked by JetStream (a publish to retry).
 */
export async function hasUnreleasedJobs(db: Db, runId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(currentJobsOf(runId), eq(jobs.status, "queued"), or(isNull(jobs.publishedAt), isNull(jobs.streamSeq))))
    .limit(1);
  return row !== undefined;
}

/** The other legs of the same matrix job, in the same run and namespace. */
export async function siblingsOf(db: Db, job: JobRow): Promise<JobRow[]> {
  return db
    .select()
    .from(jobs)
    .where(
      and(
        currentJobsOf(job.runId),
        eq(jobs.namespace, job.namespace),
        eq(jobs.jobId, job.jobId),
        sql`${jobs.id} <> ${job.id}`,
      ),
    );
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
  /** Told before the run is marked completed, so a bot dying in between tells again on the redelivery. */
  runCompleted?: (conclusion: "success" | "failure") => Promise<void>,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [status] = await tx
      .select()
      .from(runStatuses)
      .where(and(eq(runStatuses.runId, runId), eq(runStatuses.namespace, namespace)))
      .for("update");
    if (status?.state !== "pending") return;
    // `continue-on-error` jobs never fail the run, whatever they concluded.
    const passed = sql`(coalesce(${jobs.conclusion}, '') in ('success', 'skipped') or ${jobs.continueOnError})`;
    const [counts] = await tx
      .select({
        openHere:
          sql<number>`count(*) filter (where ${jobs.namespace} = ${namespace} and ${jobs.status} <> 'completed')`.mapWith(
            Number,
          ),
        failedHere: sql<number>`count(*) filter (where ${jobs.namespace} = ${namespace} and not ${passed})`.mapWith(
          Number,
        ),
        open: sql<number>`count(*) filter (where ${jobs.status} <> 'completed')`.mapWith(Number),
        failed: sql<number>`count(*) filter (where not ${passed})`.mapWith(Number),
      })
      .from(jobs)
      .where(currentJobsOf(runId));
    if (!counts || counts.openHere > 0) return;
    const state = counts.failedHere === 0 ? "success" : "failure";
    await post(state, status.context);
    await tx
      .update(runStatuses)
      .set({ state, updatedAt: new Date() })
      .where(and(eq(runStatuses.runId, runId), eq(runStatuses.namespace, namespace)));
    if (counts.open === 0) {
      await runCompleted?.(counts.failed === 0 ? "success" : "failure");
      await tx
        .update(runs)
        .set({ status: "completed", conclusion: counts.failed === 0 ? "success" : "failure", completedAt: new Date() })
        .where(eq(runs.id, runId));
    }
  });
}
