/**
 * GitHub failing the ways it does, under a whole Flotilla (real bot, runners, NATS, Postgres;
 * the fake GitHub injecting the faults): a fifth of writes answered 502 — half of them after
 * the write landed — or with a secondary rate limit; every check run create answered 502
 * after it landed; Postgres refusing to record check run ids the planner just created. Every
 * job runs once, GitHub shows exactly one finished check run per job, every commit status
 * ends final, and the bot keeps running.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";
import { randomFaults, type WriteRequest } from "../../helpers/fake-github.ts";
import { scratchDir } from "../../helpers/scratch.ts";
import { expectOneCheckRunPerJob, refuseCheckRunRecords } from "./support-github.ts";
import { allCompleted, expectBotAlive, latestStatuses, pushWorkflow, runCounts } from "./support.ts";

const LEGS = 60;
const scratch = scratchDir("flotilla-github-flaky-");

const f = flotillaSuite({
  runners: [
    { name: "flaky-one", config: { concurrency: 4 } },
    { name: "flaky-two", config: { concurrency: 4 } },
  ],
});

afterEach(() => {
  f.fake.faults = undefined;
});

/** A matrix of `legs` jobs and one that needs them all; each appends its name to `ledger`. */
function fanOut(legs: number, ledger: string): string {
  const values = Array.from({ length: legs }, (_, i) => i + 1).join(", ");
  return `name: Fan out
on: push
jobs:
  build:
    runs-on: self-hosted
    strategy:
      matrix:
        n: [${values}]
    steps:
      - run: echo "build \${{ matrix.n }}" >> ${ledger}
  gather:
    needs: build
    runs-on: self-hosted
    steps:
      - run: echo gather >> ${ledger}
`;
}

async function expectRanOnce(ledger: string, legs: number): Promise<void> {
  const counts = await runCounts(ledger);
  const expected = new Map([
    ...Array.from({ length: legs }, (_, i) => [`build ${i + 1}`, 1] as const),
    ["gather", 1] as const,
  ]);
  expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(expected));
}

const creates = (repository: string) =>
  f.fake.requests.filter((r) => r.method === "POST" && r.path === `/api/v3/repos/${repository}/check-runs`).length;
const checkCreate = (r: WriteRequest) => r.method === "POST" && r.template === "/repos/{owner}/{repo}/check-runs";

describe("a fifth of GitHub writes fail", () => {
  it("runs every job once and shows one finished check run per job", { timeout: 180_000 }, async () => {
    f.fake.faults = randomFaults(0.2, [{ status: 502 }, { status: 502, afterWrite: true }, { secondaryRateLimit: 1 }], {
      seed: 9,
    });
    const ledger = join(scratch(), "flaky.log");
    const sha = await pushWorkflow(f, "flaky", fanOut(LEGS, ledger));
    await f.fake.waitFor(() => allCompleted(f, [sha], LEGS + 1), { timeoutMs: 120_000 });

    expect(f.fake.injectedFaults.length).toBeGreaterThan(20);
    await expectRanOnce(ledger, LEGS);
    await expectOneCheckRunPerJob(f, sha, LEGS + 1);
    expect([...latestStatuses(f, [sha])]).toEqual([[`${sha} flotilla/Fan out`, "success"]]);
    await expectBotAlive(f);
  });
});

describe("item 4: a check run that exists on GitHub but not in Postgres is not created twice", () => {
  it("adopts check runs whose creates landed but were answered 502", async () => {
    f.fake.faults = (r) => (checkCreate(r) ? { status: 502, afterWrite: true } : undefined);
    const ledger = join(scratch(), "lost-answers.log");
    const sha = await pushWorkflow(f, "lost-answers", fanOut(3, ledger));
    await f.fake.waitFor(() => allCompleted(f, [sha], 4), { timeoutMs: 60_000 });

    expect(f.fake.injectedFaults.filter((x) => x.path === "/api/v3/repos/faults/lost-answers/check-runs")).toHaveLength(
      4,
    );
    // One create per job: each lost answer was followed by a lookup, not by a second create.
    expect(creates("faults/lost-answers")).toBe(4);
    await expectRanOnce(ledger, 3);
    await expectOneCheckRunPerJob(f, sha, 4);
    await expectBotAlive(f);
  });

  it("adopts check runs the planner created but Postgres refused to record, when the plan is retried", async () => {
    const jobCount = 4;
    // Every job's first record is refused: the plan fails after creating all four check runs.
    const fault = await refuseCheckRunRecords(f, "faults/refused-records", jobCount);
    try {
      const ledger = join(scratch(), "refused-records.log");
      const sha = await pushWorkflow(f, "refused-records", fanOut(3, ledger));
      await f.fake.waitFor(() => allCompleted(f, [sha], jobCount), { timeoutMs: 60_000 });

      expect(await fault.refused()).toBe(jobCount);
      // The retried plan found the four by external id and created none.
      expect(creates("faults/refused-records")).toBe(jobCount);
      await expectRanOnce(ledger, 3);
      await expectOneCheckRunPerJob(f, sha, jobCount);
      await expectBotAlive(f);
    } finally {
      await fault.remove();
    }
  });
});
