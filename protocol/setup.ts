/**
 * Creating what the bus needs. Only the bot calls these (runners get no admin rights); tests
 * call them to stand in for a bot. All calls are idempotent, so every bot replica runs them.
 */
import type { JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { NatsNames } from "./names.ts";
import { encode, type LabelsetEntry } from "./messages.ts";
import { labelsetToken, normalizeLabels } from "./labels.ts";
import {
  advisoriesStreamConfig,
  DEFAULT_LEASE,
  DEFAULT_LIMITS,
  jobConsumerConfig,
  jobsStreamConfig,
  streamConfigs,
  type LeaseSettings,
  type StreamLimits,
} from "./streams.ts";

export async function ensureStreams(
  nc: NatsConnection,
  names: NatsNames,
  limits: StreamLimits = DEFAULT_LIMITS,
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  for (const config of streamConfigs(names, limits)) {
    try {
      await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.streams.add(config);
    }
  }
  return jsm;
}

/** Namespaces whose jobs stream this process made sure of: one check per namespace and process. */
const readyNamespaces = new WeakMap<JetStreamManager, Set<string>>();

/**
 * Makes sure `namespace` has its jobs stream, and its own stream keeping that stream's
 * MAX_DELIVERIES advisories. Each namespace's pair is created whole, never by editing a list
 * another namespace shares: planners creating several namespaces at once lose nothing.
 */
export async function ensureJobsStream(
  jsm: JetStreamManager,
  names: NatsNames,
  namespace: string,
  limits: StreamLimits = DEFAULT_LIMITS,
): Promise<void> {
  const ready = readyNamespaces.get(jsm) ?? new Set<string>();
  readyNamespaces.set(jsm, ready);
  if (ready.has(namespace)) return;
  // Advisories first: once the jobs stream has a consumer, deliveries can run out.
  await ensureStream(jsm, advisoriesStreamConfig(names, namespace, limits), ["num_replicas"]);
  await ensureStream(jsm, jobsStreamConfig(names, namespace, limits), ["duplicate_window", "num_replicas"]);
  ready.add(namespace);
}

/** Adds the stream, or brings the `kept` settings of an existing one up to `config`. */
async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  kept: (keyof StreamConfig)[] = [],
): Promise<void> {
  try {
    const info = await jsm.streams.info(config.name);
    const stale = kept.filter((key) => config[key] !== undefined && info.config[key] !== config[key]);
    if (stale.length > 0)
      await jsm.streams.update(config.name, {
        ...info.config,
        ...Object.fromEntries(stale.map((k) => [k, config[k]])),
      });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(config);
    } catch (raced) {
      // Another bot added it between our look and our add: the same config, so it is ours too.
      if (!/already in use/i.test(String((raced as Error)?.message))) throw raced;
    }
  }
}

export async function openLabelsets(nc: NatsConnection, names: NatsNames, replicas = 1): Promise<KV> {
  return new Kvm(nc).create(names.labelsetsBucket, { history: 1, replicas });
}

/**
 * Makes sure `namespace` has a consumer (its queue group) for `labels`, and that runners
 * watching the labelsets bucket know about it. Must run before a job for that labelset is
 * published, or the Interest stream drops the job for that namespace. Also answers the lease
 * the consumer really has: fixed when it was created, perhaps with other settings than `lease`.
 */
export async function ensureJobConsumer(
  jsm: JetStreamManager,
  labelsets: KV,
  names: NatsNames,
  namespace: string,
  labels: readonly string[],
  lease: LeaseSettings = DEFAULT_LEASE,
  limits: StreamLimits = DEFAULT_LIMITS,
): Promise<LabelsetEntry & { lease: LeaseSettings }> {
  const token = labelsetToken(labels);
  const config = jobConsumerConfig(names, namespace, token, lease);
  const stream = names.jobsStream(namespace);
  const entry: LabelsetEntry = {
    namespace,
    labels: normalizeLabels(labels),
    subject: names.jobsSubject(namespace, token),
    stream,
    consumer: config.durable_name!,
  };
  await ensureJobsStream(jsm, names, namespace, limits);
  const info = await jsm.consumers.info(stream, config.durable_name!).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
    return jsm.consumers.add(stream, config);
  });
  const key = names.labelsetKey(namespace, token);
  const existing = await labelsets.get(key);
  if (existing?.operation !== "PUT") await labelsets.put(key, encode(entry));
  const { ack_wait: ackWaitNs, max_deliver: maxDeliver } = info.config;
  return {
    ...entry,
    lease: {
      ackWaitMs: ackWaitNs ? Math.round(ackWaitNs / 1_000_000) : lease.ackWaitMs,
      maxDeliver: maxDeliver ?? lease.maxDeliver,
    },
  };
}

export function isNotFound(error: unknown): boolean {
  const e = error as { code?: string | number; api_error?: { err_code?: number }; message?: string };
  return (
    e?.code === "404" ||
    e?.code === 404 ||
    e?.api_error?.err_code === 10059 ||
    e?.api_error?.err_code === 10014 ||
    /not found/i.test(e?.message ?? "")
  );
}
