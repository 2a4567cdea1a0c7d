/**
 * Every JetStream stream, subject, consumer and bucket name Flotilla uses, in one place.
 *
 * All names derive from one prefix (default `flotilla`) so several installations — or
 * parallel test suites — can share one NATS server without seeing each other's traffic.
 */
import { createHash } from "node:crypto";

export interface NatsNames {
  prefix: string;
  /** Forge deliveries, written by ingest before the webhook is answered. */
  eventsStream: string;
  eventsSubject: (forge: string) => string;
  eventsFilter: string;
  plannerConsumer: string;
  /**
   * Jobs: one stream per namespace (so a runner's credential can be limited to its own
   * namespace), one subject per labelset in it; Interest retention (docs/architecture.md).
   */
  jobsStream: (namespace: string) => string;
  jobsSubject: (namespace: string, labelsetToken: string) => string;
  jobsFilter: (namespace: string) => string;
  /** Durable consumer for one namespace and labelset: that namespace's queue group. */
  jobConsumer: (namespace: string, labelsetToken: string) => string;
  /**
   * What runners report: lifecycle on status, log chunks on logs. The runner's id is a token
   * of the subject, so a runner's credential can publish only as itself.
   */
  runnerStream: string;
  statusSubject: (runnerId: string, executionId: string) => string;
  logsSubject: (runnerId: string, executionId: string) => string;
  statusFilter: string;
  logsFilter: string;
  reporterConsumer: string;
  /** KV bucket: key `<namespace>.<labelset hash>` → LabelsetEntry; runners watch it. */
  labelsetsBucket: string;
  labelsetKey: (namespace: string, labelsetToken: string) => string;
  /** Core NATS subject where a cancel for one execution is announced. */
  cancelSubject: (executionId: string) => string;
  cancelFilter: string;
  /** Core NATS: a runner's heartbeat (RunnerHeartbeat), every few seconds. */
  heartbeatSubject: (runnerId: string) => string;
  heartbeatFilter: string;
  /** Core NATS request: a runner asks to start a job it holds, and for its secrets (SecretsRequest). */
  secretsSubject: (runnerId: string) => string;
  secretsFilter: string;
  /** Core NATS: the bot tells one runner something (RunnerControl), e.g. that it was removed. */
  controlSubject: (runnerId: string) => string;
  /** Where a runner's replies arrive: only this runner may subscribe under it. */
  inboxPrefix: (runnerId: string) => string;
  /**
   * JetStream's advisories that a job of `namespace` ran out of deliveries, kept so a bot that
   * was down sees them: one stream per namespace, so creating one never rewrites another's.
   */
  advisoriesStream: (namespace: string) => string;
  /** The one advisories stream of every namespace that earlier versions kept (removed at start-up). */
  legacyAdvisoriesStream: string;
  maxDeliveriesAdvisory: (jobsStream: string) => string;
  /** Object store: `actions/upload-artifact` archives, one object per run, namespace and name. */
  artifactsBucket: string;
  /** Object store: `actions/cache` archives, one object per repository, ref scope and key. */
  cacheBucket: string;
  /** KV bucket: key per followed plain git repository → the bot that polls it (a lease renewed each poll). */
  gitPollBucket: string;
  /** KV bucket: one key per fired cron slot (the bot that created it fires it), and `changed` when a repository's schedules did. */
  schedulesBucket: string;
  /** KV bucket: one key, the bot whose turn it is to ask GitHub for lost webhooks (a lease renewed each round). */
  webhookRecoveryBucket: string;
  /** Federation (docs/federation.md): the events upstream publishes, reduced, for followers. */
  federationStream: string;
  federationSubject: (host: string, owner: string, repo: string) => string;
  federationFilter: string;
  /** Where upstream's JetStream delivers to one follower's sourcing consumer (`<prefix>.federation.deliver.<follower>`). */
  federationDeliver: (follower: string) => string;
  /** A follower's run summaries arrive here, named by the follower's import, never by its message. */
  federationResultsSubject: (follower: string) => string;
  federationResultsStream: string;
  /** Downstream: the stream that sources from one upstream's federation stream across the leaf connection. */
  followedStream: (upstream: string) => string;
  followedConsumer: string;
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
    jobsStream: (namespace) => `${upper}_JOBS_${checkNamespace(namespace)}`,
    jobsSubject: (namespace, token) => `${prefix}.jobs.${checkNamespace(namespace)}.${token}`,
    jobsFilter: (namespace) => `${prefix}.jobs.${checkNamespace(namespace)}.>`,
    jobConsumer: (namespace, token) => `jobs_${safeToken(namespace)}_${hashToken(token)}`,
    runnerStream: `${upper}_RUNNER`,
    statusSubject: (runner, id) => `${prefix}.status.${runner}.${id}`,
    logsSubject: (runner, id) => `${prefix}.logs.${runner}.${id}`,
    statusFilter: `${prefix}.status.>`,
    logsFilter: `${prefix}.logs.>`,
    reporterConsumer: "reporter",
    labelsetsBucket: `${prefix}-labelsets`,
    labelsetKey: (namespace, token) => `${safeToken(namespace)}.${hashToken(token)}`,
    cancelSubject: (id) => `${prefix}.cancel.${id}`,
    cancelFilter: `${prefix}.cancel.>`,
    heartbeatSubject: (runner) => `${prefix}.heartbeat.${runner}`,
    heartbeatFilter: `${prefix}.heartbeat.*`,
    secretsSubject: (runner) => `${prefix}.secrets.${runner}`,
    secretsFilter: `${prefix}.secrets.*`,
    controlSubject: (runner) => `${prefix}.control.${runner}`,
    inboxPrefix: (runner) => `_INBOX.${runner}`,
    advisoriesStream: (namespace) => `${upper}_ADVISORIES_${checkNamespace(namespace)}`,
    legacyAdvisoriesStream: `${upper}_ADVISORIES`,
    maxDeliveriesAdvisory: (stream) => `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.*`,
    artifactsBucket: `${prefix}-artifacts`,
    cacheBucket: `${prefix}-cache`,
    gitPollBucket: `${prefix}-git-poll`,
    schedulesBucket: `${prefix}-schedules`,
    webhookRecoveryBucket: `${prefix}-webhook-recovery`,
    federationStream: `${upper}_FEDERATION`,
    federationSubject: (host, owner, repo) =>
      `${prefix}.federation.events.${subjectToken(host)}.${subjectToken(owner)}.${subjectToken(repo)}`,
    federationFilter: `${prefix}.federation.events.>`,
    federationDeliver: (follower) => `${prefix}.federation.deliver.${checkNamespace(follower)}`,
    federationResultsSubject: (follower) => `${prefix}.federation.results.${checkNamespace(follower)}`,
    federationResultsStream: `${upper}_FEDERATION_RESULTS`,
    followedStream: (upstream) => `${upper}_FOLLOWED_${checkNamespace(upstream)}`,
    followedConsumer: "federation-planner",
  };
}

/** Namespaces name streams and subject tokens: letters, digits, '-' and '_' only. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function checkNamespace(namespace: string): string {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new Error(`namespace "${namespace}" may only hold letters, digits, '-' and '_' (at most 64)`);
  }
  return namespace;
}

/** Runner ids are subject tokens (and inbox prefixes): a uuid. */
export function isRunnerId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
}

/** The runner id and execution id of a status or logs subject (`<prefix>.status.<runner>.<execution>`). */
export function reportSubjectParts(subject: string): { runnerId: string; executionId: string } {
  const parts = subject.split(".");
  return { runnerId: parts[parts.length - 2] ?? "", executionId: parts[parts.length - 1] ?? "" };
}

/** One subject token for a host or repository name: `.`, spaces and wildcards percent-encoded, reversibly. */
function subjectToken(value: string): string {
  return encodeURIComponent(value).replace(/\./g, "%2E").replace(/\*/g, "%2A");
}

/** A short stable hash: consumer names and KV keys cannot hold every character a label may. */
function hashToken(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 16);
}

function safeToken(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, "_");
}
