/**
 * One database handle for the whole bot: postgres.js when DATABASE_URL is set, otherwise
 * PGlite in a data directory (the embedded default of `npm start`).
 */
import { mkdirSync } from "node:fs";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { guardTransactions } from "./guard-transactions.ts";
import * as schema from "./schema.ts";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DbHandle {
  db: Db;
  kind: "postgres" | "pglite";
  close(): Promise<void>;
}

export async function openDb(options: { url?: string; dataDir?: string }): Promise<DbHandle> {
  if (options.url) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    // No fetch_types: postgres.js asks for the array types on every new connection, from a
    // promise nobody awaits — a backend terminated during it is an unhandled rejection (the
    // process dies) and can strand the query that opened the connection. No column is an array.
    const sql = postgres(options.url, { max: 10, fetch_types: false, onnotice: () => {} });
    // A transaction whose backend is terminated must not crash the process (see the module).
    const db = drizzle(guardTransactions(sql), { schema }) as unknown as Db;
    return { db, kind: "postgres", close: () => sql.end({ timeout: 5 }) };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = new PGlite(options.dataDir);
  const db = drizzle(client, { schema }) as unknown as Db;
  return { db, kind: "pglite", close: () => client.close() };
}
