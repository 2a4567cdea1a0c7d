/**
 * Stream and consumer settings both sides agree on. The bot creates streams and job
 * consumers; runners only bind to what exists (they never need stream-admin rights).
 */
import type { ConsumerConfig, StreamConfig } from "@nats-io/jetstream";
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import type { NatsNames } from "./names.ts";

const DAY_NS = 24 * 60 * 60 * 1_000_000_000;

export interface StreamLimits {
  /** How long a job may wait for a runner before it is dropped from the stream. */
  jobMaxAgeDays: number;
  /** How long the intake duplicate window is (Nats-Msg-Id dedupe). */
  duplicateWindowMs: number;
  /** Replicas of each stream on a NATS cluster (NATS_REPLICAS); 1 on a single server. */
  replicas?: number;
}

export const DEFAULT_LIMITS: StreamLimits = { jobMaxAgeDays: 7, duplicateWindowMs: 2 * 60_000 };

export function streamConfigs(
  names: NatsNames,
  limits: StreamLimits = DEFAULT_LIMITS,
): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      name: names.eventsStream,
      subjects: [names.eventsFilter],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: 7 * DAY_NS,
      duplicate_window: limits.duplicateWindowMs * 1_000_000,
      num_replicas: limits.replicas ?? 1,
    },
    {
      name: names.runnerStream,
      subjects: [names.statusFilter, names.logsFilter],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: 2 * DAY_NS,
      duplicate_window: limits.duplicateWindowMs * 1_000_000,
      num_replicas: limits.replicas ?? 1,
    },
  ];
}

/**
 * One namespace's jobs. Interest retention: a job stays until the labelset's consumer (the
 * namespace's queue group, created by the bot before it publishes) acks it.
 */
export function jobsStreamConfig(
  names: NatsNames,
  namespace: string,
  limits: StreamLimits = DEFAULT_LIMITS,
): Partial<StreamConfig> & { name: string } {
  return {
    name: names.jobsStream(namespace),
    subjects: [names.jobsFilter(namespace)],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    max_age: limits.jobMaxAgeDays * DAY_NS,
    duplicate_window: JOB_DUPLICATE_WINDOW_NS,
    num_replicas: limits.replicas ?? 1,
  };
}

/**
 * How long a job's publish is deduplicated (`Nats-Msg-Id`): longer than any retry of a plan or a
 * completion takes (a message waits out its consumer's ack wait when the bus was down as it
 * failed), so a job whose publish landed but whose ack was lost is never stored twice.
 */
const JOB_DUPLICATE_WINDOW_NS = 60 * 60 * 1_000_000_000;

/** JetStream's MAX_DELIVERIES advisories of one namespace's jobs stream, kept for the bot. */
export function advisoriesStreamConfig(
  names: NatsNames,
  namespace: string,
  limits: StreamLimits = DEFAULT_LIMITS,
): Partial<StreamConfig> & { name: string } {
  return {
    num_replicas: limits.replicas ?? 1,
    name: names.advisoriesStream(namespace),
    subjects: [names.maxDeliveriesAdvisory(names.jobsStream(namespace))],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 7 * DAY_NS,
  };
}

export interface LeaseSettings {
  /** A runner that does not extend its lease within this long loses the job. */
  ackWaitMs: number;
  /** Deliveries of one job message; then the bot counts the lost attempts (runner lost, or publish again). */
  maxDeliver: number;
}

export const DEFAULT_LEASE: LeaseSettings = { ackWaitMs: 30_000, maxDeliver: 3 };

export function jobConsumerConfig(
  names: NatsNames,
  namespace: string,
  token: string,
  lease: LeaseSettings = DEFAULT_LEASE,
): Partial<ConsumerConfig> {
  return {
    durable_name: names.jobConsumer(namespace, token),
    description: `namespace=${namespace} labelset=${token}`,
    filter_subject: names.jobsSubject(namespace, token),
    ack_policy: AckPolicy.Explicit,
    // Created before the first publish for this labelset, so "new" misses nothing and a
    // namespace that appears later does not replay jobs planned before it existed.
    deliver_policy: DeliverPolicy.New,
    ack_wait: lease.ackWaitMs * 1_000_000,
    max_deliver: lease.maxDeliver,
    max_ack_pending: -1,
  };
}
