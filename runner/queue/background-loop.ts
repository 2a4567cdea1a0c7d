/**
 * A loop that runs in the background until it is stopped — the labelsets watch, a pull loop:
 * the signal it watches, the iterator it waits on now (a KV watch, a pull) that stop() ends so
 * the loop wakes, and a crash logged rather than left an unhandled rejection.
 */
import type { Logger } from "pino";

export interface LoopControl {
  /** Aborted by stop(). */
  readonly signal: AbortSignal;
  /** What the loop is waiting on now, if anything; stop() stops it. */
  current: { stop(): void } | undefined;
}

export interface BackgroundLoop {
  /** Ends the loop; resolves when it has returned. */
  stop(): Promise<void>;
}

/** Starts `run` at once; `crashed` is the fixed message a crash is logged with. */
export function startLoop(logger: Logger, crashed: string, run: (loop: LoopControl) => Promise<void>): BackgroundLoop {
  const stopping = new AbortController();
  const loop: LoopControl = { signal: stopping.signal, current: undefined };
  const done = run(loop).catch((error: unknown) => logger.error({ err: error }, crashed));
  return {
    async stop() {
      stopping.abort();
      loop.current?.stop();
      await done;
    },
  };
}
