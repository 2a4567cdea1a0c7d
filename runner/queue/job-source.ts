/**
 * Where jobs come from. The NATS implementation follows the labelsets bucket for this
 * runner's namespace and pulls from the consumer of every labelset the runner can serve.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { NatsNames } from "../../protocol/names.ts";
import type { LabelsetEntry } from "../../protocol/messages.ts";
import { watchLabelsets } from "./labelset-watch.ts";
import type { BackgroundLoop } from "./background-loop.ts";
import { pullLoop } from "./pull-loop.ts";

/** One job message claimed by this runner. It stays leased to us until acked, naked or its lease lapses. */
export interface ClaimedJob {
  readonly data: Uint8Array;
  readonly subject: string;
  /** The JetStream delivery count: the `attempt` every report about this job carries. */
  readonly attempt: number;
  /** Extends the lease (the consumer's AckWait). Call it well inside AckWait while the job runs. */
  working(): void;
  /** The job is finished and reported. Resolves once the server confirmed; rejects if it did not. */
  ack(): Promise<void>;
  /** Gives the job back, for another runner (or this one) to take: now, or after `delayMs`. */
  nak(delayMs?: number): void;
  /** The message can never run (it does not decode): it is not delivered again. */
  term(reason: string): void;
}

/**
 * JobSource hands jobs to the agent.
 *
 * `next` blocks until a job is claimed for this runner and resolves `null` once the source
 * is stopped or `signal` aborts. The agent calls it only while it has a free slot: every
 * pending `next` call is one free slot, and a message that arrives while no call is pending
 * (two consumers answered at once) is given back with nak at once. Several `next` calls may
 * be pending concurrently. `stop` ends pulling; pending calls resolve `null`; jobs already
 * handed out are untouched and must still be settled by the agent.
 */
export interface JobSource {
  next(signal?: AbortSignal): Promise<ClaimedJob | null>;
  stop(): Promise<void>;
}

export interface NatsJobSourceOptions {
  nc: NatsConnection;
  names: NatsNames;
  namespace: string;
  /** The runner's full, normalised labels. */
  labels: readonly string[];
  /** Labels a labelset must hold before this runner serves it (`--exclusive-labels`). */
  exclusiveLabels?: readonly string[];
  logger: Logger;
  /** Server-side long-poll of one pull request. */
  pullExpiresMs?: number;
}

interface Waiter {
  resolve(job: ClaimedJob | null): void;
}

export function natsJobSource(options: NatsJobSourceOptions): JobSource {
  const { nc, logger } = options;
  const js = jetstream(nc);
  const waiters: Waiter[] = [];
  const loops = new Map<string, BackgroundLoop>();
  let stopped = false;
  let waiterArrived: (() => void) | undefined;

  /** Pull loops park here while no slot is free, so a busy runner sends no pull requests. */
  function whenSlotFree(): Promise<void> {
    if (waiters.length > 0 || stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = waiterArrived;
      waiterArrived = () => {
        previous?.();
        resolve();
      };
    });
  }

  function deliver(msg: JsMsg): void {
    const waiter = waiters.shift();
    if (!waiter || stopped) {
      logger.debug({ subject: msg.subject }, "job arrived with no free slot, giving it back");
      msg.nak();
      return;
    }
    waiter.resolve(claimed(msg));
  }

  function onEntry(key: string, entry: LabelsetEntry | null): void {
    const existing = loops.get(key);
    if (!entry) {
      existing?.stop();
      loops.delete(key);
      return;
    }
    if (existing || stopped) return;
    logger.info({ consumer: entry.consumer, labels: entry.labels }, "serving labelset");
    loops.set(key, pullLoop({ js, entry, logger, whenSlotFree, deliver, expiresMs: options.pullExpiresMs ?? 30_000 }));
  }

  const watcher = watchLabelsets({ ...options, onEntry });

  return {
    next(signal) {
      if (stopped || signal?.aborted) return Promise.resolve(null);
      return new Promise((resolve) => {
        const waiter: Waiter = {
          resolve(job) {
            signal?.removeEventListener("abort", onAbort);
            resolve(job);
          },
        };
        function onAbort(): void {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          resolve(null);
        }
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.push(waiter);
        const wake = waiterArrived;
        waiterArrived = undefined;
        wake?.();
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const waiter of waiters.splice(0)) waiter.resolve(null);
      waiterArrived?.();
      waiterArrived = undefined;
      await Promise.all([watcher.stop(), ...[...loops.values()].map((loop) => loop.stop())]);
    },
  };
}

function claimed(msg: JsMsg): ClaimedJob {
  return {
    data: msg.data,
    subject: msg.subject,
    attempt: msg.info.deliveryCount,
    working: () => msg.working(),
    async ack() {
      const confirmed = await msg.ackAck({ timeout: 10_000 });
      if (!confirmed) throw new Error("the server did not confirm the ack");
    },
    nak: (delayMs) => msg.nak(delayMs),
    term: (reason) => msg.term(reason),
  };
}
