/**
 * What stops a job from outside, for a runner's job (run-job.ts) and `flotilla run`
 * (cli/local): one AbortController whose first reason wins — `outer` (the runner stopping,
 * Ctrl-C) with its reason, a /cancel, or the job's `timeout-minutes` as `timed_out` — and the
 * line the log ends with once the job's steps are done. A runner's `--max-job-minutes` caps the
 * workflow's `timeout-minutes`, and the message says which of the two fired.
 */
import type { CancelReason } from "../step/cancel.ts";
import type { JobResult } from "./job-steps.ts";

/** setTimeout fires at once past 2^31-1 ms (~24 days); no job legitimately runs that long. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface JobAbort {
  /** The job's signal: aborted with a CancelReason. */
  signal: AbortSignal;
  /** Aborts the job with `reason`, unless it was stopped already. */
  cancel(reason: CancelReason): void;
  /** Stops following `outer` and the timeout (call once the job's steps are done). */
  dispose(): void;
}

export function jobAbort(
  timeoutMinutes: number,
  outer: { signal: AbortSignal; reason: CancelReason },
  maxJobMinutes?: number,
): JobAbort {
  const abort = new AbortController();
  const cancel = (reason: CancelReason): void => {
    if (!abort.signal.aborted) abort.abort(reason);
  };
  const onOuter = (): void => cancel(outer.reason);
  outer.signal.addEventListener("abort", onOuter, { once: true });
  if (outer.signal.aborted) onOuter();
  const limit = timeLimit(timeoutMinutes, maxJobMinutes);
  const deadline = setTimeout(
    () => cancel({ kind: "timed_out", message: limit.message }),
    Math.min(limit.minutes * 60_000, MAX_TIMER_MS),
  );
  return {
    signal: abort.signal,
    cancel,
    dispose() {
      clearTimeout(deadline);
      outer.signal.removeEventListener("abort", onOuter);
    },
  };
}

/** The shorter of the workflow's `timeout-minutes` and the runner's cap, and how to say it fired. */
function timeLimit(timeoutMinutes: number, maxJobMinutes?: number): { minutes: number; message: string } {
  if (maxJobMinutes === undefined || maxJobMinutes >= timeoutMinutes)
    return { minutes: timeoutMinutes, message: `the job timed out after ${timeoutMinutes} minutes` };
  return {
    minutes: maxJobMinutes,
    message: `the job timed out after ${maxJobMinutes} minutes: this runner's maximum job time (--max-job-minutes ${maxJobMinutes}) caps the workflow's timeout-minutes of ${timeoutMinutes}`,
  };
}

/** The job log's last line: "Job succeeded", or how it ended and why. */
export function jobEndLine(result: Pick<JobResult, "conclusion" | "message">): string {
  return result.conclusion === "success"
    ? "Job succeeded"
    : `Job ${result.conclusion}${result.message ? `: ${result.message}` : ""}`;
}
