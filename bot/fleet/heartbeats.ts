/**
 * Runner heartbeats become the `runners` table's last-seen, running jobs and version. A
 * runner nobody registered (open NATS mode: `flotilla runner start --nats …`) gets its row
 * from its first heartbeat, and brings its namespace: one the bot does not know yet is made,
 * following every repository (as a registration token's new namespace is). A removed runner is
 * told so (it stops itself; with per-runner credentials the server has already cut it off).
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { namespaces, runners } from "../../db/schema.ts";
import { decode, encode, RunnerHeartbeat, type RunnerControl } from "../../protocol/messages.ts";
import { checkNamespace, isRunnerId, type NatsNames } from "../../protocol/names.ts";

export function followHeartbeats(nc: NatsConnection, names: NatsNames, db: Db, log: Logger): Subscription {
  return nc.subscribe(names.heartbeatFilter, {
    // Every bot replica shares the work; one of them records each beat.
    queue: `${names.prefix}-heartbeats`,
    callback: (_error, msg) => {
      const runnerId = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
      recordHeartbeat(db, names, nc, runnerId, msg.data).catch((error: unknown) =>
        log.warn({ err: error, runner: runnerId }, "heartbeat not recorded"),
      );
    },
  });
}

async function recordHeartbeat(
  db: Db,
  names: NatsNames,
  nc: NatsConnection,
  runnerId: string,
  data: Uint8Array,
): Promise<void> {
  const beat = decode(RunnerHeartbeat, data, "runner heartbeat");
  // The subject is what the credential allows; the body must agree with it.
  if (!isRunnerId(runnerId) || beat.runner.id !== runnerId)
    throw new Error(`heartbeat on ${runnerId} names runner ${beat.runner.id}`);
  checkNamespace(beat.runner.namespace);
  const seen = {
    name: beat.runner.name,
    namespace: beat.runner.namespace,
    labels: beat.runner.labels,
    exclusiveLabels: beat.runner.exclusiveLabels,
    version: beat.runner.version,
    concurrency: beat.concurrency,
    running: beat.running,
    lastSeenAt: new Date(),
  };
  // In the same statement, so a beat stays one round trip; it writes only while the namespace
  // is unknown, and only for a runner nobody registered or removed: a registered runner's
  // namespace came with its token, and its credential must not make others.
  const announced = db.$with("announced_namespace", { name: namespaces.name }).as(sql`
    insert into ${namespaces} (name) select ${seen.namespace}
    where not exists (select 1 from ${namespaces} where name = ${seen.namespace})
      and not exists (select 1 from ${runners} where id = ${runnerId} and (public_key is not null or removed_at is not null))
    on conflict do nothing
    returning name`);
  const [row] = await db
    .with(announced)
    .insert(runners)
    .values({ id: runnerId, ...seen })
    .onConflictDoUpdate({
      target: runners.id,
      set: { ...seen, lastSeenAt: sql`now()` },
      setWhere: sql`${runners.removedAt} is null`,
    })
    .returning({ id: runners.id });
  if (row) return;
  const control: RunnerControl = { v: 1, type: "removed", message: "this runner was removed (flotilla runner remove)" };
  nc.publish(names.controlSubject(runnerId), encode(control));
}
