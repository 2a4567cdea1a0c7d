/**
 * Postgres faults for end-to-end suites: terminate every backend of one test database, as an
 * operator's `pg_terminate_backend`, a failover or a restarting pooler would, over a connection
 * of the suite's own (to the server's admin database, so it never terminates itself).
 */
import postgres from "postgres";
import { adminDatabaseUrl, type TestDatabase } from "../../helpers/postgres.ts";

export interface BackendKiller {
  /** Terminates every backend connected to the database now; resolves to how many there were. */
  terminateAll(): Promise<number>;
  /**
   * Terminates them every `everyMs` until `stop()`, at most `times` rounds; resolves (from
   * `stop()`) to the backends terminated in each round.
   */
  every(everyMs: number, times: number): { stop(): Promise<number[]> };
  close(): Promise<void>;
}

export function backendKiller(database: TestDatabase, adminUrl = adminDatabaseUrl()): BackendKiller {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  async function terminateAll(): Promise<number> {
    const rows =
      await sql`SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = ${database.name} AND pid <> pg_backend_pid()`;
    return rows.filter((r) => r.terminated).length;
  }
  return {
    terminateAll,
    every(everyMs, times) {
      const rounds: number[] = [];
      let stopped = false;
      let wake: () => void = () => {};
      const loop = (async () => {
        while (!stopped && rounds.length < times) {
          rounds.push(await terminateAll());
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, everyMs);
          });
        }
      })();
      return {
        async stop() {
          stopped = true;
          wake();
          await loop;
          return rounds;
        },
      };
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
