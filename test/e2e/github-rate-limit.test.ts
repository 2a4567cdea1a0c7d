/**
 * GitHub's primary rate limit under a whole Flotilla (real bot, runners, NATS, Postgres): the
 * fake GitHub gives the installation 60 requests per 5-second window and refuses past it with
 * GitHub's 403. 300 jobs, some failing: every check run still ends `completed` with its job's
 * conclusion, the commit status ends final, no request is sent past an exhausted budget, and
 * no check run costs more than its three writes (`in_progress` updates are what gives).
 */
import { describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { allCompleted, expectBotAlive, latestStatuses } from "./faults/support.ts";

const LEGS = 100;
const JOBS = ["build", "test", "lint"];
/** Legs whose number is a multiple of this fail. */
const FAILING_EVERY = 7;

const f = flotillaSuite({
  runners: [
    { name: "budget-one", config: { concurrency: 4 } },
    { name: "budget-two", config: { concurrency: 4 } },
  ],
});

function workflow(): string {
  const legs = Array.from({ length: LEGS }, (_, i) => i + 1).join(", ");
  const job = (name: string) => `  ${name}:
    runs-on: self-hosted
    strategy:
      fail-fast: false
      matrix:
        n: [${legs}]
    steps:
      - run: test $(( \${{ matrix.n }} % ${FAILING_EVERY} )) -ne 0
`;
  return `name: Budget\non: push\njobs:\n${JOBS.map(job).join("")}`;
}

describe("a small GitHub rate limit", () => {
  it("completes every check run with its conclusion and sends nothing past the budget", {
    timeout: 400_000,
  }, async () => {
    f.fake.rateLimit = { limit: 60, windowMs: 5000 };
    const { sha } = await f.pushRepository("budget", "ci", { ".flotilla/workflows/ci.yml": workflow() });
    await f.fake.waitFor(() => allCompleted(f, [sha], JOBS.length * LEGS), { timeoutMs: 360_000 });

    const runs = f.fake.checkRuns.filter((r) => r.run.head_sha === sha);
    expect(runs).toHaveLength(JOBS.length * LEGS);
    for (const r of runs) {
      const n = Number(/\((\d+)\)/.exec(r.run.name)?.[1]);
      expect({ name: r.run.name, conclusion: r.run.conclusion }).toEqual({
        name: r.run.name,
        conclusion: n % FAILING_EVERY === 0 ? "failure" : "success",
      });
      expect(r.history.length).toBeLessThanOrEqual(3);
    }
    // The budget ran short: `in_progress` updates were dropped, conclusions never.
    expect(runs.some((r) => r.history.length === 2)).toBe(true);
    expect([...latestStatuses(f, [sha]).values()]).toEqual(["failure"]);
    expect(f.fake.rateLimited).toEqual([]);
    await expectBotAlive(f);
  });
});
