/**
 * The bot loses its Postgres connections while 100 jobs run: every backend of its database is
 * terminated every 300 ms for a few seconds (`pg_terminate_backend`), mid-query and
 * mid-transaction. Every job still runs exactly once, has exactly one check run, completed
 * successfully, the commit status ends final, and the bot — in this process, so an uncaught
 * exception would be this suite's — still answers with pages read from the database.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { jobs, runStatuses } from "../../../db/schema.ts";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";
import { until } from "../../helpers/until.ts";
import { scratchDir } from "../../helpers/scratch.ts";
import { backendKiller, type BackendKiller } from "./support-postgres.ts";

let killer: BackendKiller;
const scratch = scratchDir("flotilla-pgfault-");
const uncaught: unknown[] = [];
const recordUncaught = (error: unknown) => uncaught.push(error);

beforeAll(() => {
  // Observes without handling (from before the bot starts): vitest still reports the error, and the test names it.
  process.on("uncaughtExceptionMonitor", recordUncaught);
});

const f = flotillaSuite();

beforeAll(() => {
  killer = backendKiller(f.database);
});

afterAll(async () => {
  process.off("uncaughtExceptionMonitor", recordUncaught);
  await killer?.close();
});

const linesOf = async (file: string) => (await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean);

/** A read of the bot's database, or nothing when the killer (still at work: a status post retried) ended it: "not yet". */
const unlessTerminated = <T>(read: PromiseLike<T>): Promise<T | undefined> =>
  Promise.resolve(read).catch(() => undefined);

const WORKFLOWS = 4;
const LEGS = 25;
const JOBS = WORKFLOWS * LEGS;

it("survives every backend terminated under 100 jobs: each runs once, one check run each, statuses final", async () => {
  for (const name of ["one", "two", "three", "four"]) await f.startRunner({ name, config: { concurrency: 4 } });
  const ran = join(scratch(), "ran.log");
  const files = Object.fromEntries(
    Array.from({ length: WORKFLOWS }, (_, w) => [
      `.flotilla/workflows/w${w + 1}.yml`,
      [
        `name: W${w + 1}`,
        "on: push",
        "jobs:",
        "  leg:",
        "    runs-on: self-hosted",
        `    strategy: { matrix: { n: [${Array.from({ length: LEGS }, (_, i) => i + 1).join(", ")}] } }`,
        "    steps:",
        `      - run: echo "w${w + 1} leg \${{ matrix.n }}" >> ${ran}`,
        "",
      ].join("\n"),
    ]),
  );
  const { repo, sha } = await f.repository("faults", "pg", files);

  // Each run's final commit status is posted inside the transaction that holds its status row:
  // the first time, the database goes away while the bot waits for GitHub's answer.
  const killedAt = new Set<string>();
  f.fake.beforeReply = async ({ method, path, reply }) => {
    const status = reply.body as { state?: string; context?: string } | undefined;
    if (
      method !== "POST" ||
      !path.includes("/statuses/") ||
      !status?.context ||
      status.state === "pending" ||
      killedAt.has(status.context)
    )
      return;
    killedAt.add(status.context);
    await killer.terminateAll();
  };
  await f.push(repo, sha);

  // Once jobs run, also take the database away every 300 ms, 15 times: mid-query, mid-transaction.
  await until(async () => (await linesOf(ran)).length > 0, 30_000, "the first job to run");
  const faults = killer.every(300, 15);
  const checkRuns = () => f.fake.checkRuns.filter((r) => r.run.head_sha === sha);
  await f.fake
    .waitFor(() => checkRuns().filter((r) => r.run.status === "completed").length >= JOBS, { timeoutMs: 75_000 })
    .finally(() => faults.stop());
  const rounds = await faults.stop();
  expect(rounds.length, "fault rounds").toBeGreaterThanOrEqual(5);
  expect(
    rounds.reduce((a, b) => a + b, 0),
    "backends terminated",
  ).toBeGreaterThan(0);

  // Each job ran exactly once.
  const expected = Array.from({ length: WORKFLOWS }, (_, w) =>
    Array.from({ length: LEGS }, (_, i) => `w${w + 1} leg ${i + 1}`),
  ).flat();
  expect((await linesOf(ran)).sort()).toEqual(expected.sort());

  // One check run per job, each completed with success.
  const runs = checkRuns();
  expect(runs).toHaveLength(JOBS);
  const perName = new Map<string, number>();
  for (const r of runs) perName.set(r.run.name, (perName.get(r.run.name) ?? 0) + 1);
  expect(Object.fromEntries(perName)).toEqual(
    Object.fromEntries(Array.from({ length: LEGS }, (_, i) => [`leg (${i + 1})`, WORKFLOWS])),
  );
  expect(
    runs.filter((r) => r.run.status !== "completed" || r.run.conclusion !== "success").map((r) => r.run.name),
  ).toEqual([]);

  // The bot still runs and reads its database: job rows…
  const rows = await until(
    async () => {
      const all = await unlessTerminated(f.bot.db.db.select().from(jobs));
      return all?.length === JOBS && all.every((r) => r.status === "completed") && all;
    },
    90_000,
    "every job row to complete",
  );
  expect(rows.every((r) => r.conclusion === "success")).toBe(true);
  expect(new Set(rows.map((r) => r.checkRunId))).toEqual(new Set(runs.map((r) => r.id)));
  // …and its record of each run's status, which a transaction killed after posting would leave pending.
  const settled = await until(
    async () => {
      const all = await unlessTerminated(f.bot.db.db.select().from(runStatuses));
      return all?.length === WORKFLOWS && all.every((r) => r.state !== "pending") && all;
    },
    90_000,
    "every run status row to be settled",
  );
  expect(settled.map((r) => r.state)).toEqual(Array(WORKFLOWS).fill("success"));

  // Every commit status final: the last state of each workflow's context is success. Each was
  // posted twice — the transaction killed while it waited for GitHub, then its redelivery.
  const posted = f.fake.statuses.filter((s) => s.sha === sha);
  const last = new Map(posted.map((s) => [s.status.context, s.status.state]));
  expect(Object.fromEntries(last)).toEqual(
    Object.fromEntries(Array.from({ length: WORKFLOWS }, (_, w) => [`flotilla/W${w + 1}`, "success"])),
  );
  expect([...killedAt].sort()).toEqual([...last.keys()].sort());
  for (const context of killedAt)
    expect(
      posted.filter((s) => s.status.context === context && s.status.state === "success").length,
      context,
    ).toBeGreaterThanOrEqual(2);

  // …and it still answers over HTTP, with a page read from the database.
  expect((await fetch(`${f.publicUrl}/healthz`)).status).toBe(200);
  const page = await fetch(String(runs[0]!.run.details_url));
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("leg");
  expect(uncaught).toEqual([]);
}, 300_000);
