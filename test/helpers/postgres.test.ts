import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { adminDatabaseUrl, createTestDatabase } from "./postgres.ts";

describe("postgres helper", () => {
  it("creates a fresh database and drops it even with a connection left open", async () => {
    const db = await createTestDatabase();
    expect(db.name).toMatch(/^flotilla_t_[0-9a-f]{12}$/);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const [row] = await sql<{ name: string }[]>`SELECT current_database() AS name`;
    expect(row?.name).toBe(db.name);
    await db.drop();
    await sql.end({ timeout: 1 }).catch(() => {});
    const admin = postgres(adminDatabaseUrl(), { max: 1 });
    const left = await admin`SELECT 1 FROM pg_database WHERE datname = ${db.name}`;
    await admin.end();
    expect(left).toHaveLength(0);
  });
});
