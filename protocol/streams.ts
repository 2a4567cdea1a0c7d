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
}

export const DEFAULT_LIMITS: StreamLimits = { jobMaxAgeDays: 7, duplicateWindowMs: 2 * 60_000 };

export function streamConfigs(names: NatsNames, limits: StreamLimits = DEFAULT_LIMITS): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      name: names.eventsStream,
      subjects: [names.eventsFilter],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: 7 * DAY_NS,
      duplicate_window: limits.duplicateWindowMs * 1_000_000,
    },
    {
      // Interest retention: a job stays until every namespace consumer that existed when it
      // was published has acked it. The bot creates those consumers before it publishes.
      name: names.jobsStream,
      subjects: [names.jobsFilter],
      retention: RetentionPolicy.Interest,
      storage: StorageType.File,
      max_age: limits.jobMaxAgeDays * DAY_NS,
      duplicate_window: limits.duplicateWindowMs * 1_000_000,
    },
    {
      name: names.runnerStream,
      subjects: [names.statusFilter, names.logsFilter],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: 2 * DAY_NS,
      duplicate_window: limits.duplicateWindowMs * 1_000_000,
    },
  ];
}

export interface LeaseSettings {
  /** A runner that does not extend its lease within this long loses the job. */
  ackWaitMs: number;
  /** Deliveries before a job is given up as "runner lost". */
  maxDeliver: number;
}

export const DEFAULT_LEASE: LeaseSettings = { ackWaitMs: 30_000, maxDeliver: 5 };

export function jobConsumerConfig(
  names: NatsNames,
  namespace: string,
  token: string,
  lease: LeaseSettings = DEFAULT_LEASE,
): Partial<ConsumerConfig> {
  return {
    durable_name: names.jobConsumer(namespace, token),
    description: `namespace=${namespace} labelset=${token}`,
    filter_subject: names.jobsSubject(token),
    ack_policy: AckPolicy.Explicit,
    // Created before the first publish for this labelset, so "new" misses nothing and a
    // namespace that appears later does not replay jobs planned before it existed.
    deliver_policy: DeliverPolicy.New,
    ack_wait: lease.ackWaitMs * 1_000_000,
    max_deliver: lease.maxDeliver,
    max_ack_pending: -1,
  };
}
