/**
 * A run's row as the planner stores it (bot/planner/store-run.ts): its `github` context is
 * written by the insert itself, with the run's own id and number, and a delivery planned
 * again finds the same run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type DbHandle } from "../../../db/client.ts";
import { migrate } from "../../../db/migrate.ts";
import { upsertRun } from "../../../bot/planner/store-run.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";
import { runContext } from "../../helpers/run-context.ts";

let database: TestDatabase;
let handle: DbHandle;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDb({ url: database.url });
  await migrate(handle, database.url);
});

afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe("upsertRun", () => {
  it("stores the github context with the run's id and number in the same insert", async () => {
    const github = { event_name: "push", sha: "abc", run_attempt: 1, event: { ref: "refs/heads/main" } };
    const first = await upsertRun(handle.db, runContext({ deliveryId: "one" }), "ci.yml", "CI", undefined, github);
    const second = await upsertRun(handle.db, runContext({ deliveryId: "two" }), "ci.yml", "CI", undefined, github);
    expect(first.githubContext).toEqual({ ...github, run_id: first.id, run_number: 1 });
    expect(second.githubContext).toEqual({ ...github, run_id: second.id, run_number: 2 });
    expect(second.runNumber).toBe(2);
  });

  it("finds the run a delivery already has, context and all", async () => {
    const github = { event_name: "push" };
    const made = await upsertRun(handle.db, runContext({ deliveryId: "again" }), "ci.yml", "CI", undefined, github);
    const found = await upsertRun(handle.db, runContext({ deliveryId: "again" }), "ci.yml", "CI", undefined, github);
    expect(found.id).toBe(made.id);
    expect(found.githubContext).toEqual(made.githubContext);
  });
});
