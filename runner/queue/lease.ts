/**
 * The lease on a running job is the consumer's AckWait: JetStream delivers the job again
 * unless we say `working()` well inside it. The job message says how long it is (the bot's
 * `JOB_LEASE_SECONDS`, as the queue was made), so the runner needs no setting of its own.
 * Extended on a timer for as long as the job runs; the job is acked only after its `completed`
 * report is stored (see agent), so a runner that dies between the two loses nothing — the job
 * simply runs again.
 */
import type { Logger } from "pino";
import type { JobMessage } from "../../protocol/messages.ts";
import { DEFAULT_LEASE } from "../../protocol/streams.ts";

export interface Lease {
  /** Stops extending. Idempotent. Call before ack or nak. */
  release(): void;
}

export function holdLease(job: { working(): void }, everyMs: number, logger: Logger): Lease {
  const timer = setInterval(() => {
    try {
      job.working();
    } catch (error) {
      // A closed connection: nothing to do here, the job is redelivered when the lease lapses.
      logger.warn({ err: error }, "could not extend the job lease");
    }
  }, everyMs);
  return { release: () => clearInterval(timer) };
}

/**
 * How often to extend: every third of the message's lease, or the operator's interval
 * (`FLOTILLA_RUNNER_LEASE_EXTEND_MS`) when that is shorter. A message from a bot older than the
 * `lease` field names none: the operator's interval, else a third of the default lease.
 */
export function extendEveryMs(lease: JobMessage["lease"], configuredMs: number | undefined): number {
  const third = Math.floor(leaseMs(lease) / 3);
  if (configuredMs === undefined) return third;
  return lease ? Math.min(third, configuredMs) : configuredMs;
}

/** The message's lease (the default for a bot older than the `lease` field): how long "later" waits too. */
export function leaseMs(lease: JobMessage["lease"]): number {
  return (lease ?? DEFAULT_LEASE).ackWaitMs;
}
