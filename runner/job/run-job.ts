/**
 * One claimed job attempt from `started` to ack: lease, cancel subscription, timeout,
 * workspace, log, the steps, the `completed` report, and settling the message.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { NatsNames } from "../../protocol/names.ts";
import type { ObjectStoreAccess } from "../../protocol/object-stores.ts";
import type { JobMessage, RunnerRef } from "../../protocol/messages.ts";
import { cancelReason } from "../step/cancel.ts";
import { tokenVariants, type SourceCheckout } from "../source/checkout.ts";
import type { RunnerConfig } from "../config.ts";
import type { StepExecutor } from "../step/executor.ts";
import type { ClaimedJob } from "../queue/job-source.ts";
import { jobAbort, jobEndLine } from "./job-abort.ts";
import { runJobSteps, type JobResult } from "./job-steps.ts";
import { askToStart, type StartAnswer } from "./start-ask.ts";
import { extendEveryMs, holdLease, leaseMs, type Lease } from "../queue/lease.ts";
import { createLogStreamer } from "../report/log-streamer.ts";
import { jobReporter } from "../report/reports.ts";
import { prepareJobDirs, removeJobDirs, type JobDirs } from "../step/workspace.ts";
import { abortableSleep } from "../sleep.ts";

export interface RunJobDeps {
  config: RunnerConfig;
  runner: RunnerRef;
  nc: NatsConnection;
  js: JetStreamClient;
  names: NatsNames;
  executor: StepExecutor;
  checkout: SourceCheckout;
  logger: Logger;
  /** The artifact and cache stores for the built-in actions. */
  stores?: ObjectStoreAccess;
  /**
   * Takes the work left once the attempt is settled (removing its workspace), so the runner goes
   * straight back to its pull instead of waiting on the disk; without it, `runJob` awaits it.
   */
  afterJob?: (work: Promise<void>) => void;
}

/** How an attempt ended for this runner: reported, or handed back unreported. */
export type JobEnd =
  | { kind: "reported"; conclusion: JobResult["conclusion"] }
  | { kind: "handed_back"; reason: string };

/**
 * Runs `job` for `executionId`. Resolves once the message is settled (acked after the
 * `completed` report was stored, or nak'ed when the runner stops mid-job); never rejects.
 * `stopping` aborts the job with a `runner_stopping` reason.
 */
export async function runJob(
  deps: RunJobDeps,
  claimed: ClaimedJob,
  job: JobMessage,
  executionId: string,
  stopping: AbortSignal,
): Promise<JobEnd> {
  const { config, names } = deps;
  // The bot publishes a job again (attemptBase) when its deliveries ran out with attempts left.
  const attempt = job.attemptBase + claimed.attempt;
  const logger = deps.logger.child({ job: executionId, attempt, run: job.runId });
  const lease = holdLease(claimed, extendEveryMs(job.lease, config.leaseExtendMs), logger);
  const abort = jobAbort(
    job.timeoutMinutes,
    { signal: stopping, reason: { kind: "runner_stopping", message: "runner stopping" } },
    config.maxJobMinutes,
  );
  const reporter = jobReporter(deps.js, names, { runnerId: config.id, executionId, attempt, claim: job.claim }, logger);
  const jobLog = createLogStreamer({
    executionId,
    attempt,
    claim: job.claim,
    publish: (chunk) => reporter.publishLog(chunk),
    logger,
    secrets: job.checkout.token ? tokenVariants(job.checkout.token) : [],
  });
  let dirs: JobDirs | undefined;
  let cancelSub: Subscription | undefined;
  try {
    cancelSub = deps.nc.subscribe(names.cancelSubject(executionId), {
      callback: (_error, msg) => abort.cancel({ kind: "cancelled", message: msg?.string().trim() || "cancelled" }),
    });
    const asked = await askToStart(
      {
        nc: deps.nc,
        names,
        runnerId: config.id,
        executionId,
        attempt,
        logger,
        signal: abort.signal,
        note: (line: string) => jobLog.line(line),
      },
      job,
    );
    if (asked.kind === "skip") return skipAttempt(claimed, asked, job, lease, logger);
    logger.info({ jobKey: job.jobKey, repository: job.repository.fullName, sha: job.sha }, "job started");
    await reporter.started(deps.runner);
    let result: JobResult;
    try {
      dirs = await prepareJobDirs(config.workDir, executionId);
      // Refused (or the bot unreachable): the job fails saying so rather than running with secrets missing.
      if (asked.kind === "fail") jobLog.line(`##[error]${asked.reason}`);
      result =
        asked.kind === "fail"
          ? { conclusion: "failure", steps: [], message: asked.reason, cancel: cancelReason(abort.signal) }
          : await runJobSteps({
              job: asked.job,
              runnerName: config.name,
              dirs,
              checkout: deps.checkout,
              executor: deps.executor,
              jobLog,
              reporter,
              signal: abort.signal,
              stopping,
              logger,
              stores: deps.stores,
              ...(config.actionsUrl ? { actionsUrl: config.actionsUrl } : {}),
            });
    } catch (error) {
      // Our own failure (disk full, workspace unwritable): still a clear report, not a lost job.
      logger.error({ err: error }, "job failed inside the runner");
      result = {
        conclusion: "failure",
        steps: [],
        message: `runner error: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (result.cancel?.kind === "runner_stopping") {
      jobLog.line("The runner is stopping; the job goes back to the queue.");
      await jobLog.close();
      await reporter.released("runner stopping");
      lease.release();
      try {
        claimed.nak();
      } catch (error) {
        // Connection already gone: the lease lapses instead and the job comes back all the same.
        logger.warn({ err: error }, "nak failed");
      }
      logger.warn("job handed back: runner stopping");
      return { kind: "handed_back", reason: result.cancel.message };
    }
    jobLog.line(jobEndLine(result));
    await jobLog.close();
    const { conclusion, steps, message, outputs, annotations, summary } = result;
    // Everything that leaves the runner is masked, the message too (it may quote a command's error).
    await reporter.completed({
      conclusion,
      steps,
      logTail: jobLog.tail(),
      ...(message ? { message: jobLog.mask(message) } : {}),
      outputs,
      annotations,
      summary,
    });
    // The result is stored: the job must not run again, so the ack is retried (the lease still
    // held) through a NATS restart rather than left to lapse into a second run.
    await ackStored(claimed, logger);
    lease.release();
    logger.info({ conclusion: result.conclusion }, "job completed");
    return { kind: "reported", conclusion: result.conclusion };
  } catch (error) {
    // The report or the ack could not be stored: leave the message unacked so the lease
    // lapses and the job runs again; the bot refuses reports of the older attempt.
    logger.error({ err: error }, "job could not be settled; it will be delivered again");
    return { kind: "handed_back", reason: "report failed" };
  } finally {
    lease.release();
    abort.dispose();
    cancelSub?.unsubscribe();
    if (dirs && !config.keepWorkspace) {
      const removal = removeJobDirs(dirs).catch((error: unknown) =>
        logger.warn({ err: error }, "workspace removal failed"),
      );
      if (deps.afterJob) deps.afterJob(removal);
      else await removal;
    }
  }
}

/**
 * The bot said this attempt must not run (the job already completed, or another runner holds
 * it): nothing is reported, and the message is settled as the bot said — taken out of the
 * queue, or given back after a lease so it stays posted should that other runner die.
 */
function skipAttempt(
  claimed: ClaimedJob,
  asked: Extract<StartAnswer, { kind: "skip" }>,
  job: JobMessage,
  lease: Lease,
  logger: Logger,
): JobEnd {
  lease.release();
  try {
    if (asked.settle === "term") claimed.term(asked.reason);
    else claimed.nak(leaseMs(job.lease));
  } catch (error) {
    // Connection gone: the lease lapses and the next delivery asks again.
    logger.warn({ err: error }, "settling a skipped attempt failed");
  }
  logger.warn({ reason: asked.reason, settle: asked.settle }, "attempt not started: the bot said it must not run");
  return { kind: "handed_back", reason: asked.reason };
}

/** Acks a job whose `completed` report is stored, trying again while NATS comes back. */
async function ackStored(claimed: { ack(): Promise<void> }, logger: Logger, tries = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await claimed.ack();
    } catch (error) {
      if (attempt >= tries) throw error;
      logger.warn({ err: error, attempt }, "ack of a completed job failed, retrying");
      await abortableSleep(1000 * attempt);
    }
  }
}
