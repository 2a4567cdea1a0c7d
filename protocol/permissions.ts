/**
 * What one runner's NATS credential allows: exactly what a runner does, nothing of another
 * namespace or another runner. The bot puts this into the user JWT it signs at registration
 * (bot/fleet/nats-authority.ts); docs/security.md shows it as server configuration too.
 *
 * Denied by omission: other namespaces' jobs streams, the job subjects themselves (a runner
 * reads jobs only through its namespace's consumers), other runners' inboxes, report
 * subjects, heartbeats and secrets requests, and every stream or consumer admin API.
 */
import type { NatsNames } from "./names.ts";

export interface SubjectPermissions {
  publish: string[];
  subscribe: string[];
}

export function runnerPermissions(names: NatsNames, runnerId: string, namespace: string): SubjectPermissions {
  const jobs = names.jobsStream(namespace);
  const kv = `KV_${names.labelsetsBucket}`;
  const objectStreams = [names.artifactsBucket, names.cacheBucket];
  return {
    publish: [
      "$JS.API.INFO",
      // Pull from, and settle, its own namespace's job consumers only.
      `$JS.API.CONSUMER.INFO.${jobs}.*`,
      `$JS.API.CONSUMER.MSG.NEXT.${jobs}.*`,
      `$JS.ACK.${jobs}.>`,
      // Speak only as itself.
      `${names.prefix}.status.${runnerId}.*`,
      `${names.prefix}.logs.${runnerId}.*`,
      names.heartbeatSubject(runnerId),
      names.secretsSubject(runnerId),
      // Watch the labelsets bucket (an ordered consumer of its own).
      `$JS.API.STREAM.INFO.${kv}`,
      `$JS.API.CONSUMER.CREATE.${kv}`,
      `$JS.API.CONSUMER.CREATE.${kv}.>`,
      `$JS.API.CONSUMER.DELETE.${kv}.>`,
      `$JS.API.CONSUMER.INFO.${kv}.>`,
      `$JS.API.DIRECT.GET.${kv}.>`,
      `$JS.API.STREAM.MSG.GET.${kv}`,
      `$JS.FC.${kv}.>`,
      // Artifacts and caches (the built-in actions).
      ...objectStreams.flatMap((bucket) => [
        `$O.${bucket}.>`,
        `$JS.API.STREAM.INFO.OBJ_${bucket}`,
        `$JS.API.STREAM.MSG.GET.OBJ_${bucket}`,
        `$JS.API.DIRECT.GET.OBJ_${bucket}.>`,
        `$JS.API.CONSUMER.CREATE.OBJ_${bucket}`,
        `$JS.API.CONSUMER.CREATE.OBJ_${bucket}.>`,
        `$JS.API.CONSUMER.DELETE.OBJ_${bucket}.>`,
        `$JS.API.CONSUMER.INFO.OBJ_${bucket}.>`,
        `$JS.API.STREAM.PURGE.OBJ_${bucket}`,
        `$JS.FC.OBJ_${bucket}.>`,
      ]),
    ],
    subscribe: [
      `${names.inboxPrefix(runnerId)}.>`,
      names.cancelFilter,
      names.controlSubject(runnerId),
      `$JS.EVENT.ADVISORY.STREAM.CREATED.${kv}`,
    ],
  };
}
