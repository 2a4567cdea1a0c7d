/**
 * Every namespace's MAX_DELIVERIES advisories, followed by every bot replica. Each namespace
 * keeps its advisories in a stream of its own (see protocol/setup.ts), so the bot runs one
 * consume loop per namespace on a durable consumer they all share. Which namespaces exist is
 * learnt from the labelsets bucket: a namespace's first job consumer is written there, and a
 * KV watch pushes each new entry to every bot — no polling, and a namespace created by another
 * replica is followed here too.
 *
 * At start-up the bot also looks for jobs whose advisories were never kept (earlier versions
 * shared one advisories stream whose subject list could lose a namespace): a job message still
 * in its stream at or below its consumer's ack floor was neither acked nor will it be delivered
 * again, and is handled as if its advisory had arrived.
 */
import { and, isNotNull, ne } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { jobs } from "../../db/schema.ts";
import { labelsetToken } from "../../protocol/labels.ts";
import { LabelsetEntry } from "../../protocol/messages.ts";
import { ensureJobsStream, isNotFound } from "../../protocol/setup.ts";
import type { Bus } from "../bus/connect.ts";
import { startConsumeLoop, type ConsumeLoop } from "../bus/consume-loop.ts";
import { ensureDurableConsumer } from "../bus/durable-consumer.ts";

/** The durable consumer on each namespace's advisories stream, shared by every bot replica. */
const RUNNER_LOST_CONSUMER = "runner-lost";

export interface AdvisoryFollowOptions {
  bus: Bus;
  db: Db;
  /** Deliveries of a job message (the job consumers' `max_deliver`). */
  maxDeliver: number;
  log: Logger;
  /** Applies one advisory (its JSON); throwing redelivers it. */
  handle: (data: Uint8Array) => Promise<void>;
}

export interface AdvisoryFollower {
  /** Resolves once the namespaces known at start are followed and their lost advisories recovered. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export async function followAdvisories(options: AdvisoryFollowOptions): Promise<AdvisoryFollower> {
  const { bus, log } = options;
  await dropLegacyStream(bus, log);
  const loops = new Map<string, Promise<ConsumeLoop>>();
  const follow = (namespace: string) => {
    if (!loops.has(namespace)) {
      const started = startLoop(options, namespace);
      loops.set(namespace, started);
      started.catch((error) => {
        loops.delete(namespace);
        log.error({ err: error, namespace }, "could not follow a namespace's advisories");
      });
    }
    return loops.get(namespace)!;
  };

  const watch = await bus.labelsets.watch();
  const initial = (async () => {
    // Namespaces known now: from the bucket's current values.
    const keys = await bus.labelsets.keys();
    const known = new Set<string>();
    for await (const key of keys) known.add(key.split(".")[0]!);
    for (const namespace of known) await follow(namespace).catch(() => {});
    await recoverLostAdvisories(options);
  })();
  const watching = (async () => {
    for await (const entry of watch) {
      if (entry.operation !== "PUT") continue;
      const parsed = LabelsetEntry.safeParse(entry.json());
      if (parsed.success) follow(parsed.data.namespace).catch(() => {});
    }
  })();

  return {
    ready: initial,
    async stop() {
      watch.stop();
      await watching.catch(() => {});
      await initial.catch(() => {});
      const started = await Promise.allSettled([...loops.values()]);
      await Promise.all(started.map((s) => (s.status === "fulfilled" ? s.value.stop() : undefined)));
    },
  };
}

async function startLoop(options: AdvisoryFollowOptions, namespace: string): Promise<ConsumeLoop> {
  const { bus } = options;
  // Makes the advisories stream of a namespace whose consumers an earlier version created.
  await ensureJobsStream(bus.jsm, bus.names, namespace, bus.limits);
  const stream = bus.names.advisoriesStream(namespace);
  await ensureDurableConsumer(bus, stream, RUNNER_LOST_CONSUMER);
  return startConsumeLoop({
    consumer: await bus.js.consumers.get(stream, RUNNER_LOST_CONSUMER),
    concurrency: 8,
    maxDeliver: 20,
    log: options.log.child({ namespace }),
    handle: (msg) => options.handle(msg.data),
  });
}

/**
 * The one advisories stream earlier versions kept: its subjects overlap the per-namespace
 * streams, which JetStream refuses, so it goes. Advisories it still held are found again by
 * the start-up recovery.
 */
async function dropLegacyStream(bus: Bus, log: Logger): Promise<void> {
  try {
    await bus.jsm.streams.delete(bus.names.legacyAdvisoriesStream);
    log.info({ stream: bus.names.legacyAdvisoriesStream }, "shared advisories stream replaced by one per namespace");
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Jobs whose deliveries ran out with no advisory kept: handled as if it had arrived. */
async function recoverLostAdvisories(
  options: Pick<AdvisoryFollowOptions, "bus" | "db" | "maxDeliver" | "log" | "handle">,
): Promise<number> {
  const { bus, db } = options;
  const open = await db
    .select({ namespace: jobs.namespace, labels: jobs.labels, streamSeq: jobs.streamSeq })
    .from(jobs)
    .where(and(ne(jobs.status, "completed"), isNotNull(jobs.streamSeq)));
  const byConsumer = new Map<string, { namespace: string; token: string; seqs: number[] }>();
  for (const row of open) {
    const token = labelsetToken(row.labels);
    const key = `${row.namespace}\0${token}`;
    const group = byConsumer.get(key) ?? { namespace: row.namespace, token, seqs: [] };
    group.seqs.push(row.streamSeq!);
    byConsumer.set(key, group);
  }
  let recovered = 0;
  for (const { namespace, token, seqs } of byConsumer.values()) {
    const stream = bus.names.jobsStream(namespace);
    const consumer = bus.names.jobConsumer(namespace, token);
    const info = await bus.jsm.consumers.info(stream, consumer).catch(() => undefined);
    if (!info) continue;
    // At or below the ack floor, a message still in the stream was never acked: its deliveries
    // ran out. With nothing awaiting an ack, so is every delivered one.
    const done = info.num_ack_pending === 0 ? info.delivered.stream_seq : info.ack_floor.stream_seq;
    for (const seq of seqs) {
      if (seq > done || !(await bus.jsm.streams.getMessage(stream, { seq }).catch(() => null))) continue;
      const advisory = {
        type: "io.nats.jetstream.advisory.v1.max_deliver",
        stream,
        consumer,
        stream_seq: seq,
        deliveries: options.maxDeliver,
      };
      options.log.warn(
        { namespace, streamSeq: seq },
        "job's deliveries ran out with no advisory kept; handling it now",
      );
      await options.handle(new TextEncoder().encode(JSON.stringify(advisory)));
      recovered++;
    }
  }
  return recovered;
}
