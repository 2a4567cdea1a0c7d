/**
 * How one installation's request budget is spent (bot/forges/github/request-budget.ts), driven
 * by the headers GitHub answers with: at once while ample, never past what is left, by
 * priority when short, intermediate updates dropped, and everything waiting sent once the
 * window resets.
 */
import { describe, expect, it } from "vitest";
import { requestBudget, WriteDropped, type Grant } from "../../../../bot/forges/github/request-budget.ts";

/** GitHub's headers: `remaining` of `limit`, the window resetting `resetInMs` from now. */
function headers(limit: number, remaining: number, resetInMs: number) {
  return {
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-reset": String(Math.ceil((Date.now() + resetInMs) / 1000)),
    "x-ratelimit-resource": "core",
  };
}

const settings = { writeConcurrency: 100, writeMinIntervalMs: 0 };

/** A budget that has seen one answer saying `remaining` of `limit` are left. */
async function budgetWith(limit: number, remaining: number, resetInMs = 60_000) {
  const budget = requestBudget(settings);
  budget.settle(await budget.acquire("normal", false), headers(limit, remaining, resetInMs));
  return budget;
}

const isGrant = (value: unknown): value is Grant => typeof value === "object" && value !== null && "write" in value;

describe("request budget", () => {
  it("grants at once, without a promise, while the budget is ample", async () => {
    const budget = await budgetWith(5000, 4000);
    const grants = Array.from({ length: 50 }, () => budget.acquire("create", true));
    expect(grants.every(isGrant)).toBe(true);
    expect(budget.state().inFlight).toBe(50);
  });

  it("sends one request at a time until an answer says what the budget is", async () => {
    const budget = requestBudget(settings);
    const first = budget.acquire("normal", false);
    expect(isGrant(first)).toBe(true);
    const second = budget.acquire("final", true);
    expect(isGrant(second)).toBe(false);
    budget.settle(first as Grant, headers(5000, 4999, 60_000));
    expect(isGrant(await second)).toBe(true);
  });

  it("treats answers without rate-limit headers as no limit (GitHub Enterprise Server's default)", () => {
    const budget = requestBudget(settings);
    budget.settle(budget.acquire("normal", false) as Grant, {});
    expect(Array.from({ length: 20 }, () => budget.acquire("normal", false)).every(isGrant)).toBe(true);
  });

  it("counts requests in flight against what is left, and never grants past it", async () => {
    const budget = await budgetWith(60, 5);
    const grants = Array.from({ length: 8 }, () => budget.acquire("final", true));
    expect(grants.filter(isGrant)).toHaveLength(5);
  });

  it("drops an in_progress update when under a quarter is left, and keeps a conclusion waiting", async () => {
    const budget = await budgetWith(60, 10);
    expect(() => budget.acquire("progress", true)).toThrow(WriteDropped);
    expect(isGrant(budget.acquire("final", true))).toBe(true);
  });

  it("spends the last requests on conclusions, then creates, then the rest, once the window resets", async () => {
    const budget = await budgetWith(20, 0, 300);
    const order: string[] = [];
    const waits = (["normal", "create", "final", "create", "final"] as const).map(async (priority) => {
      const grant = await budget.acquire(priority, true);
      order.push(priority);
      return grant;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    await Promise.all(waits);
    expect(order).toEqual(["final", "final", "create", "create", "normal"]);
  });

  it("keeps creates back for conclusions when little is left", async () => {
    const budget = await budgetWith(100, 4, 200);
    const create = budget.acquire("create", true);
    expect(isGrant(create)).toBe(false);
    expect(isGrant(budget.acquire("final", true))).toBe(true);
    // The create goes once the window resets and its whole limit is there again.
    expect(isGrant(await create)).toBe(true);
  });

  it("holds everything for a secondary limit's pause", async () => {
    const budget = await budgetWith(5000, 4000);
    budget.pause(300);
    const started = Date.now();
    expect(() => budget.acquire("progress", true)).toThrow(WriteDropped);
    await budget.acquire("final", true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("keeps writes in flight within the write concurrency, the next one granted when one is answered", async () => {
    const budget = requestBudget({ writeConcurrency: 2, writeMinIntervalMs: 0 });
    budget.settle(budget.acquire("normal", false) as Grant, headers(5000, 4999, 60_000));
    const a = budget.acquire("final", true) as Grant;
    budget.acquire("final", true);
    const third = budget.acquire("final", true);
    expect(isGrant(third)).toBe(false);
    // A read needs no write slot: it goes past the waiting write.
    expect(isGrant(await budget.acquire("normal", false))).toBe(true);
    budget.settle(a, headers(5000, 4990, 60_000));
    expect(isGrant(await third)).toBe(true);
  });
});
