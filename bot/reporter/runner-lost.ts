/**
 * Jobs whose deliveries ran out. JetStream delivers a job message at most `max_deliver` times
 * (the lease lapsed, or a runner nak'ed it); then it announces a MAX_DELIVERIES advisory, which
 * the advisories stream keeps until a bot handles it here. The job is then either published
 * again, as a fresh message with a new claim, or — when its runners kept vanishing — completed
 * as failed with "Runner lost", an infrastructure failure rather than a test failure.
 *
 * The rule for what counts as a lost attempt: an attempt is lost when a runner *started* it
 * (its `started` report was accepted) and then neither completed it nor handed it back before
 * its lease lapsed. A delivery no runner started is not a lost attempt by itself: a runner that
 * nak'ed it for want of a free slot, or died before it could say `started`, spent a delivery
 * but did not run the job. Such a job is simply published again, however often.
 * `jobs.lost_attempts` counts the lost attempts already seen (the reporter adds one when a newer
 * attempt starts while the previous holder still held it); here the attempt current when the
 * deliveries ran out is added if it is still held.
 */
import type { BotMetrics } from "../ops/metrics.ts";
import { and, eq, ne } from "drizzle-orm";
import type { Logger } from "pino";
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import { jobs, runs } from "../../db/schema.ts";
import { decode, type JobMessage } from "../../protocol/messages.ts";
import { isNotFound } from "../../protocol/setup.ts";
import type { Bus } from "../bus/connect.ts";
import type { Forge } from "../forges/forge.ts";
import { repoRef } from "../runs/repo-ref.ts";
import { cloneTokenForSpec } from "../scheduler/clone-token.ts";
import { jobUrl, RUNNER_LOST_TITLE, jobCheck } from "../runs/links.ts";
import { publishJob } from "../scheduler/release-jobs.ts";
import { needsContext } from "../scheduler/needs-context.ts";
import { attemptHolders } from "./attempt-holders.ts";
import { summarizeIfRunCompleted } from "./failure-summary.ts";
import { afterJobCompleted, type FinishDeps } from "../scheduler/job-finished.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";
import { currentJobsOf } from "../runs/current-jobs.ts";

/** What nats-server 2.9 publishes (io.nats.jetstream.advisory.v1.max_deliver). */
const MaxDeliveriesAdvisory = z.object({
  type: z.string().optional(),
  stream: z.string(),
  consumer: z.string(),
  stream_seq: z.number().int().positive(),
  deliveries: z.number().int().nonnegative(),
});
type MaxDeliveriesAdvisory = z.infer<typeof MaxDeliveriesAdvisory>;

export interface RunnerLostDeps extends FinishDeps {
  bus: Bus;
  /** JOB_MAX_ATTEMPTS: lost attempts after which the job fails as "runner lost". */
  maxAttempts: number;
  forgeForRun: (run: RunRow) => Promise<Forge>;
  /** FAILURE_COMMENT: keep the failure summary comment on pull requests (a lost job is a failure). */
  failureComment: boolean;
  metrics?: BotMetrics;
  log: Logger;
}

export async function applyMaxDeliveries(deps: RunnerLostDeps, data: Uint8Array): Promise<void> {
  const advisory = decode(MaxDeliveriesAdvisory, data, "max deliveries advisory");
  const namespace = namespaceOfStream(deps.bus, advisory.stream);
  if (namespace === undefined) return;
  const log = deps.log.child({ namespace, streamSeq: advisory.stream_seq, deliveries: advisory.deliveries });
  const found = await jobOfMessage(deps.db, namespace, advisory.stream_seq);
  if (found?.job.status === "completed") {
    // This advisory already failed the job as lost; the follow-ups did not finish last time.
    if (found.job.message?.startsWith(`${RUNNER_LOST_TITLE}:`)) {
      const forge = await deps.forgeForRun(found.run);
      await afterJobCompleted(deps, forge, found.run, found.job, "failure", log);
      await summarizeIfRunCompleted(deps, forge, found.run, log);
    }
  } else if (found) {
    const { job, run } = found;
    const held = job.status === "in_progress" && job.runnerId !== null;
    const lost = job.lostAttempts + (held ? 1 : 0);
    if (held) deps.metrics?.lostAttempts.inc({ namespace });
    if (lost >= deps.maxAttempts) await failAsLost(deps, run, job, lost, log);
    else await publishAgain(deps, run, job, advisory, lost, log);
  }
  // Nothing will deliver that message again; with Interest retention it would stay forever.
  await deleteMessage(deps.bus, advisory.stream, advisory.stream_seq);
}

/** The job whose current message is `streamSeq`: an older message's advisory is stale. */
async function jobOfMessage(
  db: Db,
  namespace: string,
  streamSeq: number,
): Promise<{ job: JobRow; run: RunRow } | undefined> {
  const [row] = await db
    .select({ job: jobs, run: runs })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(and(eq(jobs.namespace, namespace), eq(jobs.streamSeq, streamSeq)));
  return row;
}

/**
 * A fresh message: a new claim (so the vanished holder's reports are refused from now on) and
 * attempt numbers that continue after the deliveries spent. The holder is forgotten once its
 * lost attempt is counted, so the next `started` does not count it again.
 */
async function publishAgain(
  deps: RunnerLostDeps,
  run: RunRow,
  job: JobRow,
  advisory: MaxDeliveriesAdvisory,
  lost: number,
  log: Logger,
): Promise<void> {
  // A try before this one may have given the job its next claim and then failed to publish:
  // the spent message (still in the stream) carries the old claim. Then the same claim and
  // attempt base are published again, and the stream's dedupe keeps a publish that did land.
  const spent = await spentMessage(deps.bus, advisory.stream, advisory.stream_seq);
  const prepared = spent !== undefined && spent.claim !== job.claim;
  const attemptBase = prepared ? job.attemptBase : job.attemptBase + advisory.deliveries;
  await deps.db
    .update(jobs)
    .set({ lostAttempts: lost, runnerId: null })
    .where(and(eq(jobs.id, job.id), eq(jobs.streamSeq, advisory.stream_seq)));
  const rows = await deps.db.select().from(jobs).where(currentJobsOf(run.id));
  const needs = needsContext(job, rows) ?? {};
  const forge = await deps.forgeForRun(run);
  const token = job.spec ? await cloneTokenForSpec(forge, job.spec) : undefined;
  await publishJob(deps, run, { ...job, lostAttempts: lost, runnerId: null }, needs, token, attemptBase);
  log.warn({ job: job.id, lostAttempts: lost, attemptBase }, "job deliveries ran out; published again");
}

async function failAsLost(deps: RunnerLostDeps, run: RunRow, job: JobRow, lost: number, log: Logger): Promise<void> {
  const holders = (await attemptHolders(deps.bus, job.id)).filter((h) => !h.released);
  const runners = [...new Set(holders.map((h) => h.runner))];
  const named = runners.length > 0 ? runners.map((r) => `\`${r}\``).join(", ") : "unknown runners";
  const message = `Runner lost: ${lost} attempts ended without a result (runners ${runners.join(", ") || "unknown"})`;
  const forge = await deps.forgeForRun(run);
  if (job.checkRunId !== null) {
    // Forge first: if this write fails the advisory is redelivered and the write tried again.
    await forge.updateCheck(repoRef(run.repository), jobCheck(run, job, job.checkRunId, deps.publicUrl), {
      status: "completed",
      conclusion: "failure",
      completedAt: new Date().toISOString(),
      actions: [],
      output: {
        title: RUNNER_LOST_TITLE,
        summary: [
          `**${RUNNER_LOST_TITLE}: the job's runner lost communication with Flotilla ${lost} times.** This is an infrastructure failure, not a failure of the job's steps.`,
          "",
          `Attempts were held by ${named}${job.namespace === "default" ? "" : ` in namespace \`${job.namespace}\``}; each stopped renewing its lease before reporting a result.`,
          "Verify the machines are running and have a healthy network connection. Anything in the job that terminates the runner process, starves it of CPU or memory, or blocks its network access can cause this.",
          "",
          `Comment \`/rerun\` to run the job again. [Log of the last attempt](${jobUrl(deps.publicUrl, job.id, run.accessToken)})`,
        ].join("\n"),
      },
    });
  }
  const [done] = await deps.db
    .update(jobs)
    .set({
      status: "completed",
      conclusion: "failure",
      message,
      lostAttempts: lost,
      runnerId: null,
      completedAt: new Date(),
    })
    .where(and(eq(jobs.id, job.id), ne(jobs.status, "completed")))
    .returning();
  if (!done) return;
  // A zombie holder that wakes up is told to stop (its reports are refused anyway).
  deps.bus.nc.publish(deps.bus.names.cancelSubject(job.id), RUNNER_LOST_TITLE);
  log.error({ job: job.id, lostAttempts: lost, runners }, "job failed: runner lost");
  await afterJobCompleted(deps, forge, run, done, "failure", log);
  await summarizeIfRunCompleted(deps, forge, run, log);
}

/** `<PREFIX>_JOBS_<namespace>` → namespace; undefined for a stream that is not a jobs stream of ours. */
function namespaceOfStream(bus: Bus, stream: string): string | undefined {
  const head = bus.names.jobsStream("x").slice(0, -1);
  return stream.startsWith(head) && stream.length > head.length ? stream.slice(head.length) : undefined;
}

/** The job message at `seq`, unless it is gone or unreadable. */
async function spentMessage(bus: Bus, stream: string, seq: number): Promise<JobMessage | undefined> {
  try {
    const msg = await bus.jsm.streams.getMessage(stream, { seq });
    return msg ? (msg.json() as JobMessage) : undefined;
  } catch {
    return undefined;
  }
}

async function deleteMessage(bus: Bus, stream: string, seq: number): Promise<void> {
  try {
    await bus.jsm.streams.deleteMessage(stream, seq, false);
  } catch (error) {
    // Already deleted (an advisory handled twice) or the stream is gone: nothing left to do.
    if (!isNotFound(error) && !/no message found|not found/i.test(String((error as Error)?.message))) throw error;
  }
}
