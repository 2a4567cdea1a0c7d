/**
 * Metrics read when Prometheus scrapes, from where the truth is kept rather than counted in
 * this process (which would be wrong on every replica but one, and after every restart):
 * jobs waiting and running from the JetStream consumers (what KEDA's NATS scaler reads too),
 * runners by state from their heartbeated rows, bytes in the object stores.
 */
import { isNull } from "drizzle-orm";
import { Gauge } from "prom-client";
import type { Db } from "../../db/client.ts";
import { runners } from "../../db/schema.ts";
import { decode, LabelsetEntry } from "../../protocol/messages.ts";
import type { ObjectStore } from "../../protocol/object-stores.ts";
import type { Bus } from "../bus/connect.ts";
import { runnerState } from "../fleet/runner-state.ts";
import { type BotMetrics, labelsetLabel } from "./metrics.ts";

export interface ScrapeSources {
  bus: Bus;
  db: Db;
  stores: { artifacts: ObjectStore; cache: ObjectStore };
}

export function addScrapeGauges(metrics: BotMetrics, sources: ScrapeSources): void {
  const { registry } = metrics;
  consumerGauge(
    metrics,
    sources.bus,
    "flotilla_jobs_queued",
    "Jobs waiting for a runner, per namespace and labelset (the consumer's pending messages)",
    (count) => count.pending,
  );
  consumerGauge(
    metrics,
    sources.bus,
    "flotilla_jobs_in_flight",
    "Jobs delivered to a runner and not yet done, per namespace and labelset (the consumer's unacked messages)",
    (count) => count.inFlight,
  );
  const fleet = new Gauge({
    name: "flotilla_runners",
    help: "Registered runners per namespace and state (online: a slot free, busy: every slot taken, offline)",
    labelNames: ["namespace", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const now = new Date();
      const rows = await sources.db.select().from(runners).where(isNull(runners.removedAt));
      const counts = new Map<string, { namespace: string; state: string; n: number }>();
      for (const row of rows) {
        const state = runnerState(row, now);
        const key = `${row.namespace}\u0000${state}`;
        const entry = counts.get(key) ?? { namespace: row.namespace, state, n: 0 };
        entry.n += 1;
        counts.set(key, entry);
      }
      for (const { namespace, state, n } of counts.values()) fleet.set({ namespace, state }, n);
    },
  });
  const stored = new Gauge({
    name: "flotilla_object_store_bytes",
    help: "Bytes held in the JetStream object stores: artifacts and caches",
    labelNames: ["store"] as const,
    registers: [registry],
    async collect() {
      for (const [store, bucket] of Object.entries(sources.stores)) stored.set({ store }, (await bucket.status()).size);
    },
  });
}

function consumerGauge(
  metrics: BotMetrics,
  bus: Bus,
  name: string,
  help: string,
  value: (count: ConsumerCount) => number,
): void {
  const gauge = new Gauge({
    name,
    help,
    labelNames: ["namespace", "labelset"] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const count of await consumerCounts(bus)) gauge.set(count.labels, value(count));
    },
  });
}

interface ConsumerCount {
  labels: { namespace: string; labelset: string };
  pending: number;
  inFlight: number;
}

/**
 * Each labelset consumer's counts, asked once per scrape however many gauges read them:
 * the first collect asks, the others share its answer.
 */
const asked = new WeakMap<Bus, { at: number; counts: Promise<ConsumerCount[]> }>();

function consumerCounts(bus: Bus): Promise<ConsumerCount[]> {
  const last = asked.get(bus);
  if (last && Date.now() - last.at < 1_000) return last.counts;
  const counts = readConsumerCounts(bus);
  asked.set(bus, { at: Date.now(), counts });
  return counts;
}

async function readConsumerCounts(bus: Bus): Promise<ConsumerCount[]> {
  const entries: LabelsetEntry[] = [];
  for await (const key of await bus.labelsets.keys()) {
    const entry = await bus.labelsets.get(key);
    if (entry?.operation === "PUT") entries.push(decode(LabelsetEntry, entry.value, "labelset entry"));
  }
  const counts = await Promise.all(
    entries.map(async (entry) => {
      const info = await bus.jsm.consumers.info(entry.stream, entry.consumer).catch(() => undefined);
      if (!info) return undefined;
      return {
        labels: { namespace: entry.namespace, labelset: labelsetLabel(entry.labels) },
        pending: info.num_pending,
        inFlight: info.num_ack_pending,
      };
    }),
  );
  return counts.filter((count) => count !== undefined);
}
