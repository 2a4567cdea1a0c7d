/**
 * A fresh, empty Postgres database per suite on the machine's shared server, so suites can
 * run migrations and truncate freely without seeing each other.
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";

export interface TestDatabase {
  /** Connection URL of the new database (same server and credentials as the admin URL). */
  url: string;
  name: string;
  /** Terminates every connection still open to it and drops it. */
  drop(): Promise<void>;
}

export function adminDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

export async function createTestDatabase(adminUrl = adminDatabaseUrl()): Promise<TestDatabase> {
  // Random hex only: the name goes into DDL, which cannot take bind parameters.
  const name = `flotilla_t_${randomBytes(6).toString("hex")}`;
  await withAdmin(adminUrl, (sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(adminUrl, async (sql) => {
        // A test that forgot to close its pool must not make cleanup fail.
        await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name} AND pid <> pg_backend_pid()`;
        await sql.unsafe(`DROP DATABASE IF EXISTS "${name}"`);
      });
    },
  };
}

async function withAdmin<T>(adminUrl: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
