import { afterAll, beforeAll, expect, it } from "vitest";
import { openDb, type DbHandle } from "../../db/client.ts";
import { migrate, pendingMigrations } from "../../db/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";

let database: TestDatabase;
let handles: DbHandle[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  handles = [await openDb({ url: database.url }), await openDb({ url: database.url })];
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
  await database?.drop();
});

it("lets two bots starting together migrate a fresh database, one after the other", async () => {
  expect((await pendingMigrations(handles[0]!).catch(() => ["none applied"])).length).toBeGreaterThan(0);
  await Promise.all(handles.map((handle) => migrate(handle, database.url)));
  expect(await pendingMigrations(handles[0]!)).toEqual([]);
  expect(await pendingMigrations(handles[1]!)).toEqual([]);
});
