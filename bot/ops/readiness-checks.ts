/**
 * What `/readyz` checks on a bot: its NATS connection reaches JetStream, its database answers,
 * and the database has every migration this code ships.
 */
import { sql } from "drizzle-orm";
import type { DbHandle } from "../../db/client.ts";
import { pendingMigrations } from "../../db/migrate.ts";
import type { Bus } from "../bus/connect.ts";
import type { ReadinessCheck } from "./health.ts";

export function readinessChecks(bus: Bus, db: DbHandle): Record<string, ReadinessCheck> {
  return {
    nats: async () => {
      if (bus.nc.isClosed()) throw new Error("the connection is closed");
      await bus.jsm.getAccountInfo();
    },
    postgres: async () => {
      await db.db.execute(sql`select 1`);
    },
    migrations: async () => {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) throw new Error(`not applied: ${pending.join(", ")}`);
    },
  };
}
