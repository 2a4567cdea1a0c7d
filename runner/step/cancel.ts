/**
 * Why a job or step is being stopped before it ends by itself, carried as an AbortSignal's
 * reason (buildkite's typed cancel reasons). The kind decides the conclusion: a cancelled job
 * is reported as cancelled, never as failed; a runner that is stopping reports nothing and
 * hands the job back so another runner runs it.
 */
type CancelKind = "cancelled" | "timed_out" | "runner_stopping";

export interface CancelReason {
  kind: CancelKind;
  /** For people: "cancelled by /cancel", "timed out after 5 minutes", "runner stopping". */
  message: string;
}

export function cancelReason(signal: AbortSignal | undefined): CancelReason | undefined {
  if (!signal?.aborted) return undefined;
  const reason: unknown = signal.reason;
  if (isCancelReason(reason)) return reason;
  return { kind: "cancelled", message: reason instanceof Error ? reason.message : "cancelled" };
}

function isCancelReason(value: unknown): value is CancelReason {
  const candidate = value as Partial<CancelReason> | null;
  return typeof candidate?.kind === "string" && typeof candidate.message === "string";
}

/** What a cancelled step or job concludes: a timeout is its own conclusion, anything else is "cancelled". */
export function conclusionOf(reason: CancelReason): "cancelled" | "timed_out" {
  return reason.kind === "timed_out" ? "timed_out" : "cancelled";
}
