/**
 * The agent loop: `concurrency` workers, each taking one job at a time from the JobSource,
 * decoding it and running it for this runner's namespace.
 */
import type { Logger } from "pino";
import { decode, JobMessage } from "../protocol/messages.ts";
import type { JobSource, ClaimedJob } from "./queue/job-source.ts";
import type { JobEnd, RunJobDeps } from "./job/run-job.ts";
import { abortableSleep } from "./sleep.ts";
import { leaseMs } from "./queue/lease.ts";

export interface AgentStats {
  /** Jobs running now. */
  running: number;
  /** Their execution ids. */
  runningJobs: string[];
  /** Attempts that ended with a `completed` report, by conclusion. */
  completed: Record<string, number>;
  /** Attempts handed back unreported (runner stopping, report failed). */
  handedBack: number;
  /** Messages that did not decode and were terminated. */
  rejected: number;
}

export interface Agent {
  /** Resolves when every worker has returned (after `stop`). */
  done: Promise<void>;
  /**
   * Stops taking jobs. Running jobs may finish for up to `graceMs` (default 0); then they
   * are cancelled with "runner stopping" and handed back to the queue for another runner.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Ends a `stop` grace period at once: running jobs are cancelled as "runner stopping" and handed back. */
  hurry(): void;
  stats(): AgentStats;
}

export interface AgentOptions extends Omit<RunJobDeps, "afterJob"> {
  source: JobSource;
  /** A job started or ended (the heartbeat tells the bot at once). */
  onChange?: () => void;
}

export function startAgent(options: AgentOptions): Agent {
  const { source, config, logger } = options;
  const stoppingJobs = new AbortController();
  const stats: Omit<AgentStats, "runningJobs"> = { running: 0, completed: {}, handedBack: 0, rejected: 0 };
  const runningJobs = new Set<string>();
  const running = new Set<Promise<unknown>>();
  // Workspace removals of finished jobs, done while the next job runs; `stop` waits for them.
  const afterJobs = new Set<Promise<void>>();
  const deps: RunJobDeps = {
    ...options,
    afterJob(work) {
      afterJobs.add(work);
      void work.finally(() => afterJobs.delete(work));
    },
  };
  let stopped = false;
  let accepted = 0;

  async function worker(id: number): Promise<void> {
    const log = logger.child({ worker: id });
    while (!stopped) {
      let claimed: ClaimedJob | null;
      try {
        claimed = await source.next();
      } catch (error) {
        log.error({ err: error }, "job source failed");
        await abortableSleep(1_000);
        continue;
      }
      if (!claimed) break;
      const handling = handle(claimed, log);
      running.add(handling);
      await handling;
      running.delete(handling);
    }
  }

  async function handle(claimed: ClaimedJob, log: Logger): Promise<void> {
    let job: JobMessage;
    try {
      job = decode(JobMessage, claimed.data, `job message on ${claimed.subject}`);
    } catch (error) {
      // It will never decode, however often it is delivered: take it out of the queue.
      log.error({ err: error, subject: claimed.subject }, "malformed job message terminated");
      claimed.term(error instanceof Error ? error.message : "malformed job message");
      stats.rejected += 1;
      return;
    }
    const executionId = job.executions[config.namespace];
    if (!executionId) {
      log.info({ run: job.runId, jobKey: job.jobKey }, "job has no execution for this namespace, skipped");
      await claimed.ack().catch((error: unknown) => log.warn({ err: error }, "ack of skipped job failed"));
      return;
    }
    if (runningJobs.has(executionId)) {
      // Delivered again while another of our slots runs it (a server that lost the delivery's
      // state): given back after a lease, so it stays posted should this runner die.
      log.warn({ job: executionId }, "job delivered again while this runner runs it; given back for later");
      claimed.nak(leaseMs(job.lease));
      return;
    }
    accepted += 1;
    // `--once` (ephemeral runners): this job is the runner's only one.
    if (config.once && accepted >= 1) {
      stopped = true;
      void source.stop();
    }
    stats.running += 1;
    runningJobs.add(executionId);
    options.onChange?.();
    try {
      // The job machinery (steps, actions, expressions, artifact stores, execa) loads with the
      // first job, not at start: an idle runner holds little more than its pull.
      const { runJob } = await import("./job/run-job.ts");
      const end: JobEnd = await runJob(deps, claimed, job, executionId, stoppingJobs.signal);
      if (end.kind === "reported") stats.completed[end.conclusion] = (stats.completed[end.conclusion] ?? 0) + 1;
      else stats.handedBack += 1;
    } catch (error) {
      log.error({ err: error, job: executionId }, "job crashed in the runner; it will be delivered again");
      stats.handedBack += 1;
    } finally {
      stats.running -= 1;
      runningJobs.delete(executionId);
      options.onChange?.();
    }
  }

  const done = Promise.all(Array.from({ length: config.concurrency }, (_, i) => worker(i))).then(() => undefined);

  return {
    done,
    async stop({ graceMs = 0 } = {}) {
      stopped = true;
      const sourceStopped = source.stop();
      if (running.size > 0 && graceMs > 0) {
        await Promise.race([Promise.all(running), abortableSleep(graceMs)]);
      }
      stoppingJobs.abort();
      await Promise.all([sourceStopped, done]);
      await Promise.all(afterJobs);
    },
    hurry() {
      stoppingJobs.abort();
    },
    stats: () => ({ ...stats, completed: { ...stats.completed }, runningJobs: [...runningJobs] }),
  };
}
