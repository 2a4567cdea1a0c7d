/**
 * A durable JetStream consumer driving a handler: up to `concurrency` messages at once,
 * messages that share a key (one job's reports) strictly in order, ack on success, and on
 * failure a delayed redelivery — so a crash or a forge outage loses nothing. A message is
 * kept in progress (`working()`) from its arrival until it is acked, so one whose handler is
 * still busy (a forge write waiting out a rate limit) is not delivered a second time beside
 * it: only a bot that died lets its messages go to another.
 */
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";

/** Thrown by a handler for input that will never succeed: the message is dropped, loudly. */
export class PermanentError extends Error {
  override name = "PermanentError";
}

export interface ConsumeLoopOptions {
  consumer: Consumer;
  concurrency: number;
  maxDeliver: number;
  log: Logger;
  handle: (msg: JsMsg) => Promise<void>;
  /** Messages with the same key are handled one after another, in delivery order. */
  keyOf?: (msg: JsMsg) => string;
  retryDelayMs?: (deliveryCount: number) => number;
  /** How long `stop()` waits for messages being handled (default 10 s). */
  stopGraceMs?: number;
  /** How often a message being handled is marked in progress: under the consumer's `ack_wait` (the bot's are 60 s). */
  workingEveryMs?: number;
}

export interface ConsumeLoop {
  stop(): Promise<void>;
}

export async function startConsumeLoop(options: ConsumeLoopOptions): Promise<ConsumeLoop> {
  const { consumer, concurrency, log } = options;
  const retryDelay = options.retryDelayMs ?? ((n) => Math.min(30_000, 250 * 2 ** n));
  const workingEveryMs = options.workingEveryMs ?? 20_000;
  const messages = await consumer.consume({ max_messages: concurrency });
  const tails = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();

  async function handleOne(msg: JsMsg): Promise<void> {
    try {
      await options.handle(msg);
      msg.ack();
    } catch (error) {
      const attempt = msg.info.deliveryCount;
      if (error instanceof PermanentError || attempt >= options.maxDeliver) {
        log.error({ err: error, subject: msg.subject, attempt }, "message dropped");
        msg.term(String((error as Error).message ?? error).slice(0, 200));
      } else {
        log.warn({ err: error, subject: msg.subject, attempt }, "message failed, will retry");
        msg.nak(retryDelay(attempt));
      }
    }
  }

  const loop = (async () => {
    for await (const msg of messages) {
      const working = setInterval(() => markWorking(msg), workingEveryMs);
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      const key = options.keyOf?.(msg);
      const previous = key ? tails.get(key) : undefined;
      const work = (previous ? previous.then(() => handleOne(msg)) : handleOne(msg)).finally(() => {
        clearInterval(working);
        inFlight.delete(work);
        if (key && tails.get(key) === work) tails.delete(key);
      });
      inFlight.add(work);
      if (key) tails.set(key, work);
    }
  })();

  return {
    async stop() {
      await messages.close();
      await loop.catch(() => {});
      // Handlers are idempotent: one still busy after the grace (a forge write waiting out a rate
      // limit, a query on a dead connection) is left to the redelivery its unacked message gets.
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), options.stopGraceMs ?? 10_000);
      });
      const done = await Promise.race([Promise.allSettled([...inFlight]), grace]);
      clearTimeout(timer);
      if (done === "late")
        log.warn(
          { inFlight: inFlight.size },
          "stopped with messages still being handled; they will be delivered again",
        );
    },
  };
}

function markWorking(msg: JsMsg): void {
  try {
    msg.working();
  } catch {
    // A closed connection: the message is redelivered once its ack wait runs out, as after a crash.
  }
}
