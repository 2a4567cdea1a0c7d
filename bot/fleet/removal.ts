/**
 * `flotilla runner remove`: the runner's row is marked removed (the reporter and the secrets
 * responder refuse it from then on), its key is revoked on the NATS server (which cuts its
 * connection at once), and it is told to stop, for servers without per-runner credentials.
 */
import { and, eq, isNotNull, isNull, or } from "drizzle-orm";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Db } from "../../db/client.ts";
import { runners } from "../../db/schema.ts";
import { encode, type RunnerControl } from "../../protocol/messages.ts";
import { isRunnerId, type NatsNames } from "../../protocol/names.ts";
import { pushAccount, type NatsAuthority } from "./nats-authority.ts";

export interface RemovalDeps {
  db: Db;
  nc: NatsConnection;
  names: NatsNames;
  authority?: NatsAuthority;
  /** A connection in the system account: only it may update account claims. */
  system?: NatsConnection;
}

export interface RemovedRunner {
  id: string;
  name: string;
  namespace: string;
}

/** Removes the active runner(s) named `nameOrId`; an empty list when there is none. */
export async function removeRunner(deps: RemovalDeps, nameOrId: string): Promise<RemovedRunner[]> {
  const match = isRunnerId(nameOrId)
    ? or(eq(runners.id, nameOrId), eq(runners.name, nameOrId))
    : eq(runners.name, nameOrId);
  const removed = await deps.db
    .update(runners)
    .set({ removedAt: new Date() })
    .where(and(match, isNull(runners.removedAt)))
    .returning({ id: runners.id, name: runners.name, namespace: runners.namespace });
  if (removed.length === 0) return [];
  await pushRevocations(deps);
  const control: RunnerControl = { v: 1, type: "removed", message: "this runner was removed (flotilla runner remove)" };
  for (const runner of removed) deps.nc.publish(deps.names.controlSubject(runner.id), encode(control));
  await deps.nc.flush();
  return removed;
}

/** Makes the server's copy of Flotilla's account revoke every removed runner's key. */
export async function pushRevocations(deps: Pick<RemovalDeps, "db" | "authority" | "system">): Promise<void> {
  if (!deps.authority || !deps.system) return;
  const rows = await deps.db
    .select({ publicKey: runners.publicKey, removedAt: runners.removedAt })
    .from(runners)
    .where(and(isNotNull(runners.removedAt), isNotNull(runners.publicKey)));
  // A JWT issued at or before this second is revoked; the key is never issued again.
  const revoked = Object.fromEntries(
    rows.map((row) => [row.publicKey!, Math.ceil(row.removedAt!.getTime() / 1000) + 1]),
  );
  await pushAccount(deps.system, await deps.authority.accountJwt(revoked));
}
