/**
 * `JOB_QUEUE_TIMEOUT` (default 24 h, as GitHub): a job published to its runners' queue that no
 * runner took by then fails, with a check run saying so and which labels no runner had.
 *
 * One timer per bot, no poll per job: it sleeps until the earliest deadline among the jobs
 * waiting in a queue — or, with none waiting, one timeout from now, since a job published later
 * cannot fall due sooner — then fails what is due and sleeps again. So it needs no word from
 * whichever replica released a job. Replicas sweep the same rows; the conditional update on
 * `status = 'queued'` lets exactly one of them fail each job, and a runner's `started` report
 * that lost that race is refused like any report on a completed job.
 */
import { and, asc, eq, isNotNull, isNull, lte } from "drizzle-orm";
import type { Logger } from "pino";
import { jobs, runs } from "../../db/schema.ts";
import { isNotFound } from "../../protocol/setup.ts";
import type { Forge } from "../forges/forge.ts";
import { jobCheck, jobUrl } from "../runs/links.ts";
import { repoRef } from "../runs/repo-ref.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";
import { afterJobCompleted, type FinishDeps } from "../scheduler/job-finished.ts";
import { summarizeIfRunCompleted } from "./failure-summary.ts";

const QUEUE_TIMEOUT_TITLE = "Queue timeout";

/** setTimeout fires at once past 2^31-1 ms (~24 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface QueueTimeoutDeps extends FinishDeps {
  timeoutMs: number;
  forgeForRun: (run: RunRow) => Promise<Forge>;
  /** Why nobody took the job, from the fleet as it is now (bot/fleet/queued-explanation). */
  explain(namespace: string, labels: string[]): Promise<string>;
  failureComment: boolean;
  log: Logger;
}

export interface QueueTimer {
  stop(): void;
}

export function startQueueTimer(deps: QueueTimeoutDeps): QueueTimer {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function wake(): Promise<void> {
    timer = undefined;
    let nextMs = deps.timeoutMs;
    try {
      await failOverdue(deps);
      nextMs = await msUntilNextDeadline(deps);
    } catch (error) {
      // Postgres or the forge away: try again soon, never give the deadlines up.
      deps.log.error({ err: error }, "queue timeout sweep failed");
      nextMs = Math.min(nextMs, 30_000);
    }
    if (!stopped) timer = setTimeout(() => void wake(), Math.min(Math.max(nextMs, 0), MAX_TIMER_MS));
  }

  void wake();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** Jobs in a queue (published, not started, not superseded). */
const waiting = and(eq(jobs.status, "queued"), isNotNull(jobs.publishedAt), isNull(jobs.supersededAt));

async function msUntilNextDeadline(deps: QueueTimeoutDeps): Promise<number> {
  const [oldest] = await deps.db
    .select({ publishedAt: jobs.publishedAt })
    .from(jobs)
    .where(waiting)
    .orderBy(asc(jobs.publishedAt))
    .limit(1);
  if (!oldest?.publishedAt) return deps.timeoutMs;
  // A few ms late rather than early: an early wake would find nothing due and sleep 0 ms again.
  return oldest.publishedAt.getTime() + deps.timeoutMs - Date.now() + 5;
}

async function failOverdue(deps: QueueTimeoutDeps): Promise<void> {
  const due = await deps.db
    .select({ job: jobs, run: runs })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(and(waiting, lte(jobs.publishedAt, new Date(Date.now() - deps.timeoutMs))));
  for (const { job, run } of due) await failJob(deps, run, job);
}

async function failJob(deps: QueueTimeoutDeps, run: RunRow, job: JobRow): Promise<void> {
  const log = deps.log.child({ run: run.id, job: job.id, namespace: job.namespace });
  const waited = formatDuration(deps.timeoutMs);
  const [done] = await deps.db
    .update(jobs)
    .set({
      status: "completed",
      conclusion: "failure",
      message: `${QUEUE_TIMEOUT_TITLE}: no runner took the job within ${waited} (JOB_QUEUE_TIMEOUT)`,
      completedAt: new Date(),
    })
    .where(and(eq(jobs.id, job.id), eq(jobs.status, "queued")))
    .returning();
  if (!done) return;
  // No runner may take it now: the message goes, and a runner starting it this instant is told to stop.
  await deleteJobMessage(deps, done);
  deps.bus.nc.publish(deps.bus.names.cancelSubject(job.id), QUEUE_TIMEOUT_TITLE);
  log.warn({ labels: job.labels, waited }, "job failed: queue timeout");
  const forge = await deps.forgeForRun(run);
  if (done.checkRunId !== null) {
    const why = await deps.explain(job.namespace, job.labels);
    await forge.updateCheck(repoRef(run.repository), jobCheck(run, done, done.checkRunId, deps.publicUrl), {
      status: "completed",
      conclusion: "failure",
      completedAt: new Date().toISOString(),
      actions: [],
      output: {
        title: `${QUEUE_TIMEOUT_TITLE}: no runner took the job within ${waited}`,
        summary: [
          `**No runner took this job within ${waited}** (the bot's \`JOB_QUEUE_TIMEOUT\`), so it failed without running.`,
          "",
          why,
          "",
          `Comment \`/rerun\` to queue it again. [Job page](${jobUrl(deps.publicUrl, job.id, run.accessToken)})`,
        ].join("\n"),
      },
    });
  }
  await afterJobCompleted(deps, forge, run, done, "failure", log);
  await summarizeIfRunCompleted(deps, forge, run, log);
}

async function deleteJobMessage(deps: QueueTimeoutDeps, job: JobRow): Promise<void> {
  if (job.streamSeq === null) return;
  try {
    await deps.bus.jsm.streams.deleteMessage(deps.bus.names.jobsStream(job.namespace), job.streamSeq, false);
  } catch (error) {
    // Already gone (taken and acked in the meantime, or deleted by another sweep).
    if (!isNotFound(error) && !/no message found|not found/i.test(String((error as Error)?.message))) throw error;
  }
}

/** 86400000 → "24 hours"; 3000 → "3 seconds". */
function formatDuration(ms: number): string {
  const units = [
    [86_400_000, "day"],
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1_000, "second"],
  ] as const;
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? "" : "s"}`;
  }
  return `${ms} ms`;
}
