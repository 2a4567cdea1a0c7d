/**
 * `flotilla migrate`: applies the database migrations (the bot also does this at start).
 */
import { join } from "node:path";
import { readBotConfig } from "../../bot/config.ts";
import { openDb } from "../../db/client.ts";
import { migrate } from "../../db/migrate.ts";

export async function migrateCommand(): Promise<string> {
  const config = readBotConfig();
  const db = await openDb({ url: config.database.url, dataDir: join(config.dataDir, "pglite") });
  try {
    await migrate(db, config.database.url);
  } finally {
    await db.close();
  }
  return db.kind === "postgres"
    ? "migrated the Postgres database at DATABASE_URL"
    : `migrated the PGlite database in ${join(config.dataDir, "pglite")}`;
}
