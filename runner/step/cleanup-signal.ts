/**
 * The signal of a step that runs after the job was cancelled (`if: always()` or
 * `cancelled()`): the job's own signal is already aborted, so these get one that only the
 * runner stopping aborts, with GitHub's 5-minute cap on cleanup after a cancel.
 */
import type { CancelReason } from "./cancel.ts";

const CLEANUP_LIMIT_MS = 5 * 60_000;

export function cleanupSignal(
  stopping: AbortSignal | undefined,
  limitMs = CLEANUP_LIMIT_MS,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = (reason: CancelReason): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onStopping = (): void => abort({ kind: "runner_stopping", message: "runner stopping" });
  stopping?.addEventListener("abort", onStopping, { once: true });
  if (stopping?.aborted) onStopping();
  const timer = setTimeout(
    () =>
      abort({
        kind: "cancelled",
        message: `stopped: cleanup steps of a cancelled job may run ${Math.round(limitMs / 60_000)} minutes`,
      }),
    limitMs,
  );
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      stopping?.removeEventListener("abort", onStopping);
    },
  };
}
