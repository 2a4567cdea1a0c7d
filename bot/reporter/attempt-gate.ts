/**
 * Whether a runner may start the attempt it was delivered: asked before every attempt (the
 * start ask, `SecretsRequest`), answered from the job's row. JetStream delivers a job again
 * when it has no record of its ack — a nats-server that stopped before writing it, a lease that
 * lapsed while the runner was cut off — and then only Postgres knows that the job already ran
 * or is still running elsewhere. Without this gate the steps ran a second time and only their
 * reports were refused (see refuseReport in apply-runner-event.ts, which stays the last word).
 */
import type { JobRow } from "../runs/rows.ts";
import { runnerState, type RunnerRow } from "../fleet/runner-state.ts";

export interface StartRequest {
  attempt: number;
  claim: string;
}

/** `term`: never run this message; `later`: give it back after a while, someone else holds the job. */
export interface StartRefusal {
  error: string;
  settle: "term" | "later";
}

/** The holder of the job's current attempt: its row, if it still has one. */
export type Holder = Pick<RunnerRow, "lastSeenAt" | "removedAt" | "running" | "concurrency"> | undefined;

/** What the gate may look up, only when a job is in progress: its holder, and that holder's last report. */
export interface GateLookups {
  holder(runnerId: string): Promise<Holder>;
  /** The type and attempt of the last report `runnerId` stored about the job (the runner stream), if any. */
  lastReport(runnerId: string): Promise<{ type: string; attempt: number } | undefined>;
}

/**
 * Why `runnerId` must not start `request`'s attempt of `job`, or undefined to start it. A job
 * first delivered is queued and costs no lookups; one in progress is still held when its
 * runner is heartbeating and names it, or has stored a `completed` report that the reporter
 * has not applied yet (a redelivery right after the lost ack races the reporter).
 */
export async function startRefusal(
  job: Pick<JobRow, "id" | "claim" | "status" | "attempt" | "runnerId">,
  request: StartRequest,
  runnerId: string,
  lookups: GateLookups,
  now = new Date(),
): Promise<StartRefusal | undefined> {
  // A message whose claim is not the row's was replaced by a newer publish (runner-lost), or was never ours.
  if (!job.claim || job.claim !== request.claim) return { error: "this runner does not hold that job", settle: "term" };
  if (job.status === "completed") return { error: "the job has already completed", settle: "term" };
  // This delivery's attempt would be refused: a newer one started.
  if (request.attempt < job.attempt)
    return { error: `attempt ${request.attempt} is over: the job is on attempt ${job.attempt}`, settle: "later" };
  if (job.status === "in_progress" && job.runnerId !== null) {
    const [holder, last] = await Promise.all([lookups.holder(job.runnerId), lookups.lastReport(job.runnerId)]);
    const state = holder && runnerState(holder, now);
    if ((state === "online" || state === "busy") && holder?.running.includes(job.id))
      return { error: "the runner of the current attempt is still running it", settle: "later" };
    if (last?.type === "completed" && last.attempt === job.attempt)
      return { error: "the job has completed; its result is being recorded", settle: "later" };
  }
  if (request.attempt === job.attempt && job.runnerId !== null && job.runnerId !== runnerId)
    return { error: "another runner holds this attempt", settle: "later" };
  return undefined;
}
