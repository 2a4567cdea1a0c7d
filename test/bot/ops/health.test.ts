import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlotilla, type Flotilla } from "../../helpers/flotilla.ts";
import { adminDatabaseUrl } from "../../helpers/postgres.ts";
import { until } from "../../helpers/until.ts";
import { backendKiller } from "../../e2e/faults/support-postgres.ts";

interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
  notReady?: string[];
}

describe("the bot's /healthz and /readyz", () => {
  let f: Flotilla;
  beforeAll(async () => {
    f = await startFlotilla({ privateNats: true });
  }, 60_000);
  afterAll(async () => {
    await f?.close();
  });

  const readyz = async () => {
    const response = await fetch(`${f.publicUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };
  const healthz = async () => (await fetch(`${f.publicUrl}/healthz`)).status;

  it("is alive and ready when NATS, Postgres and the migrations are", async () => {
    expect(await healthz()).toBe(200);
    expect(await readyz()).toEqual({
      status: 200,
      body: { ready: true, checks: { nats: "ok", postgres: "ok", migrations: "ok" } },
    });
  });

  it("is not ready while the database lacks a migration, naming it", async () => {
    const sql = postgres(f.database.url, { max: 1, onnotice: () => {} });
    try {
      const [last] = await sql`select * from drizzle.__drizzle_migrations order by created_at desc limit 1`;
      await sql`delete from drizzle.__drizzle_migrations where id = ${last!.id}`;
      const { status, body } = await readyz();
      expect(status).toBe(503);
      expect(body.checks.nats).toBe("ok");
      expect(body.notReady).toEqual([expect.stringMatching(/^migrations: not applied: 00\d\d_\w+$/)]);
      await sql`insert into drizzle.__drizzle_migrations ${sql(last!)}`;
      expect((await readyz()).status).toBe(200);
    } finally {
      await sql.end();
    }
  });

  it("is not ready, but alive, while Postgres refuses it, and ready again after", async () => {
    const admin = postgres(adminDatabaseUrl(), { max: 1, onnotice: () => {} });
    const killer = backendKiller(f.database);
    try {
      await admin.unsafe(`ALTER DATABASE "${f.database.name}" ALLOW_CONNECTIONS false`);
      await killer.terminateAll();
      const { status, body } = await readyz();
      expect(status).toBe(503);
      expect(body.notReady?.some((line) => line.startsWith("postgres: "))).toBe(true);
      expect(body.checks.nats).toBe("ok");
      expect(await healthz()).toBe(200);
    } finally {
      await admin.unsafe(`ALTER DATABASE "${f.database.name}" ALLOW_CONNECTIONS true`);
      await admin.end();
      await killer.close();
    }
    await until(async () => (await readyz()).status === 200, 20_000, "ready again");
  });

  it("is not ready, but alive, while NATS is down, and ready again once it is back", async () => {
    f.nats!.kill("SIGKILL");
    await until(
      async () => (await readyz()).body.notReady?.some((line) => line.startsWith("nats: ")),
      20_000,
      "nats named",
    );
    expect(await healthz()).toBe(200);
    await f.nats!.restart();
    await until(async () => (await readyz()).status === 200, 30_000, "ready again");
  });
});
