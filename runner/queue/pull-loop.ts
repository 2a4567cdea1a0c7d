/**
 * One pull loop per labelset consumer this runner serves: one message per pull request, a
 * long-poll held by the server, issued only while the agent has a free slot.
 */
import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { LabelsetEntry } from "../../protocol/messages.ts";
import { abortableSleep } from "../sleep.ts";

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

export interface PullLoop {
  /** Ends the loop, abandoning an in-flight pull; resolves when the loop has returned. */
  stop(): Promise<void>;
}

export function pullLoop(options: PullLoopOptions): PullLoop {
  const { js, entry, deliver, whenSlotFree } = options;
  const logger = options.logger.child({ consumer: entry.consumer });
  const stopping = new AbortController();
  let pending: ConsumerMessages | undefined;

  async function run(): Promise<void> {
    let backoffMs = 250;
    while (!stopping.signal.aborted) {
      await whenSlotFree();
      if (stopping.signal.aborted) break;
      try {
        // Looked up on every pull so a consumer recreated by the bot is picked up again.
        const consumer = await js.consumers.get(entry.stream, entry.consumer);
        pending = await consumer.fetch({ max_messages: 1, expires: options.expiresMs });
        // stop() may have come while we were asking; it could not stop a pull that did not exist yet.
        if (stopping.signal.aborted) pending.stop();
        for await (const msg of pending) {
          if (stopping.signal.aborted) msg.nak();
          else deliver(msg);
        }
        backoffMs = 250;
      } catch (error) {
        if (stopping.signal.aborted) break;
        // Reconnects, a consumer deleted under us, a server restart: wait and pull again.
        logger.warn({ err: error, backoffMs }, "pull failed, retrying");
        await abortableSleep(backoffMs, stopping.signal);
        backoffMs = Math.min(backoffMs * 2, 10_000);
      } finally {
        pending = undefined;
      }
    }
  }

  const done = run().catch((error: unknown) => logger.error({ err: error }, "pull loop crashed"));
  return {
    async stop() {
      stopping.abort();
      pending?.stop();
      await done;
    },
  };
}
