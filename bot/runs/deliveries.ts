/**
 * Each forge delivery is acted on completely once: the planner's runs, or a command's effects.
 * A delivery is recorded when work on it starts and marked done when it ends, so a redelivered
 * webhook, or the same event taken again after a bot died half way, finds out which it is.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { deliveries } from "../../db/schema.ts";

/** Records the delivery; false when it was carried out completely before. */
export async function claimDelivery(
  db: Db,
  delivery: { deliveryId: string; forge: string },
  event: string,
): Promise<boolean> {
  const inserted = await db
    .insert(deliveries)
    .values({ id: delivery.deliveryId, forge: delivery.forge, event })
    .onConflictDoNothing()
    .returning({ id: deliveries.id });
  if (inserted.length > 0) return true;
  const [row] = await db
    .select({ plannedAt: deliveries.plannedAt })
    .from(deliveries)
    .where(eq(deliveries.id, delivery.deliveryId));
  return !row?.plannedAt;
}

export async function markDelivered(db: Db, deliveryId: string): Promise<void> {
  await db.update(deliveries).set({ plannedAt: new Date() }).where(eq(deliveries.id, deliveryId));
}

/** Which of `ids` the bot has a row for: deliveries it took, whether or not their work has ended. */
export async function storedDeliveries(db: Db, forge: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.forge, forge), inArray(deliveries.id, ids)));
  return new Set(rows.map((r) => r.id));
}
