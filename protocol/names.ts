/**
 * Every JetStream stream, subject, consumer and bucket name Flotilla uses, in one place.
 *
 * All names derive from one prefix (default `flotilla`) so several installations — or
 * parallel test suites — can share one NATS server without seeing each other's traffic.
 */
import { createHash } from "node:crypto";

export const PROTOCOL_VERSION = 1;

export interface NatsNames {
  prefix: string;
  /** Forge deliveries, written by ingest before the webhook is answered. */
  eventsStream: string;
  eventsSubject: (forge: string) => string;
  eventsFilter: string;
  plannerConsumer: string;
  /** Jobs, one subject per labelset; Interest retention (see docs/architecture.md). */
  jobsStream: string;
  jobsSubject: (labelsetToken: string) => string;
  jobsFilter: string;
  /** Durable consumer for one namespace and labelset: that namespace's queue group. */
  jobConsumer: (namespace: string, labelsetToken: string) => string;
  /** What runners report: lifecycle on status, log chunks on logs. */
  runnerStream: string;
  statusSubject: (executionId: string) => string;
  logsSubject: (executionId: string) => string;
  statusFilter: string;
  logsFilter: string;
  reporterConsumer: string;
  /** KV bucket: key `<namespace>.<labelset hash>` → LabelsetEntry; runners watch it. */
  labelsetsBucket: string;
  labelsetKey: (namespace: string, labelsetToken: string) => string;
  /** Core NATS subject where a cancel for one execution is announced. */
  cancelSubject: (executionId: string) => string;
  /** Object store: `actions/upload-artifact` archives, one object per run, namespace and name. */
  artifactsBucket: string;
  /** Object store: `actions/cache` archives, one object per repository, ref scope and key. */
  cacheBucket: string;
}

export function natsNames(prefix = "flotilla"): NatsNames {
  if (!/^[a-z0-9_-]+$/i.test(prefix)) {
    throw new Error(`NATS prefix "${prefix}" may only contain letters, digits, '-' and '_'`);
  }
  const upper = prefix.toUpperCase().replace(/-/g, "_");
  return {
    prefix,
    eventsStream: `${upper}_EVENTS`,
    eventsSubject: (forge) => `${prefix}.events.${forge}`,
    eventsFilter: `${prefix}.events.>`,
    plannerConsumer: "planner",
    jobsStream: `${upper}_JOBS`,
    jobsSubject: (token) => `${prefix}.jobs.${token}`,
    jobsFilter: `${prefix}.jobs.>`,
    jobConsumer: (namespace, token) => `jobs_${safeToken(namespace)}_${hashToken(token)}`,
    runnerStream: `${upper}_RUNNER`,
    statusSubject: (id) => `${prefix}.status.${id}`,
    logsSubject: (id) => `${prefix}.logs.${id}`,
    statusFilter: `${prefix}.status.>`,
    logsFilter: `${prefix}.logs.>`,
    reporterConsumer: "reporter",
    labelsetsBucket: `${prefix}-labelsets`,
    labelsetKey: (namespace, token) => `${safeToken(namespace)}.${hashToken(token)}`,
    cancelSubject: (id) => `${prefix}.cancel.${id}`,
    artifactsBucket: `${prefix}-artifacts`,
    cacheBucket: `${prefix}-cache`,
  };
}

/** A short stable hash: consumer names and KV keys cannot hold every character a label may. */
export function hashToken(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 16);
}

function safeToken(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, "_");
}
