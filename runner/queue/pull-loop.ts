/**
 * One pull loop per labelset consumer this runner serves: one message per pull request, a
 * long-poll held by the server, issued only while the agent has a free slot.
 */
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { LabelsetEntry } from "../../protocol/messages.ts";
import { abortableSleep } from "../sleep.ts";
import { startLoop, type BackgroundLoop, type LoopControl } from "./background-loop.ts";

export interface PullLoopOptions {
  js: JetStreamClient;
  entry: LabelsetEntry;
  logger: Logger;
  /** Resolves when the agent has a free slot (or the source stops). */
  whenSlotFree(): Promise<void>;
  /** Takes a claimed message; must settle it (hand it out, or nak it). */
  deliver(msg: JsMsg): void;
  expiresMs: number;
}

/** Stopping it abandons an in-flight pull. */
export function pullLoop(options: PullLoopOptions): BackgroundLoop {
  const { js, entry, deliver, whenSlotFree } = options;
  const logger = options.logger.child({ consumer: entry.consumer });

  async function run(loop: LoopControl): Promise<void> {
    let backoffMs = 250;
    while (!loop.signal.aborted) {
      await whenSlotFree();
      if (loop.signal.aborted) break;
      try {
        // Looked up on every pull so a consumer recreated by the bot is picked up again.
        const consumer = await js.consumers.get(entry.stream, entry.consumer);
        const pending = await consumer.fetch({ max_messages: 1, expires: options.expiresMs });
        loop.current = pending;
        // stop() may have come while we were asking; it could not stop a pull that did not exist yet.
        if (loop.signal.aborted) pending.stop();
        for await (const msg of pending) {
          if (loop.signal.aborted) msg.nak();
          else deliver(msg);
        }
        backoffMs = 250;
      } catch (error) {
        if (loop.signal.aborted) break;
        // Reconnects, a consumer deleted under us, a server restart: wait and pull again.
        logger.warn({ err: error, backoffMs }, "pull failed, retrying");
        await abortableSleep(backoffMs, loop.signal);
        backoffMs = Math.min(backoffMs * 2, 10_000);
      } finally {
        loop.current = undefined;
      }
    }
  }

  return startLoop(logger, "pull loop crashed", run);
}
