/**
 * The lease on a running job is the consumer's AckWait: JetStream delivers the job again
 * unless we say `working()` well inside it. Extended on a timer for as long as the job runs;
 * the job is acked only after its `completed` report is stored (see agent), so a runner that
 * dies between the two loses nothing — the job simply runs again.
 */
import type { Logger } from "pino";

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
