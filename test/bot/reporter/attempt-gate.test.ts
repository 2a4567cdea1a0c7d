/**
 * The start ask's rule, case by case: which deliveries of a job may start, and how the runner
 * settles the ones that may not.
 */
import { describe, expect, it } from "vitest";
import { startRefusal, type GateLookups, type Holder } from "../../../bot/reporter/attempt-gate.ts";

const JOB = "5b1f3c1e-2f4a-4d7e-9a3b-0c6d8e9f1a2b";
const R1 = "11111111-1111-4111-8111-111111111111";
const R2 = "22222222-2222-4222-8222-222222222222";
const now = new Date("2026-12-07T12:00:00Z");

type Job = Parameters<typeof startRefusal>[0];
const queued: Job = { id: JOB, claim: "c1", status: "queued", attempt: 0, runnerId: null };
const running: Job = { id: JOB, claim: "c1", status: "in_progress", attempt: 1, runnerId: R1 };

function lookups(holder: Holder, last?: { type: string; attempt: number }) {
  const asked: string[] = [];
  const l: GateLookups = {
    holder: async (id) => {
      asked.push(`holder ${id}`);
      return holder;
    },
    lastReport: async (id) => {
      asked.push(`last ${id}`);
      return last;
    },
  };
  return { l, asked };
}
const alive = (running: string[]): Holder => ({
  lastSeenAt: new Date(now.getTime() - 5_000),
  removedAt: null,
  running,
  concurrency: 2,
});
const gone: Holder = { lastSeenAt: new Date(now.getTime() - 120_000), removedAt: null, running: [JOB], concurrency: 2 };

describe("the start ask", () => {
  it("lets a first delivery start without looking anything up", async () => {
    const { l, asked } = lookups(undefined);
    expect(await startRefusal(queued, { attempt: 1, claim: "c1" }, R1, l, now)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it("takes out of the queue a message of a completed job, or one replaced by a newer publish", async () => {
    const { l } = lookups(undefined);
    expect(await startRefusal({ ...running, status: "completed" }, { attempt: 2, claim: "c1" }, R2, l, now)).toEqual({
      error: "the job has already completed",
      settle: "term",
    });
    expect(await startRefusal(running, { attempt: 2, claim: "old" }, R2, l, now)).toMatchObject({ settle: "term" });
    expect(await startRefusal({ ...queued, claim: null }, { attempt: 1, claim: "c1" }, R2, l, now)).toMatchObject({
      settle: "term",
    });
  });

  it("gives back for later an attempt older than the current one, or the current one of another runner", async () => {
    const { l } = lookups(undefined);
    expect(await startRefusal({ ...running, attempt: 3 }, { attempt: 2, claim: "c1" }, R2, l, now)).toEqual({
      error: "attempt 2 is over: the job is on attempt 3",
      settle: "later",
    });
    expect(await startRefusal(running, { attempt: 1, claim: "c1" }, R2, l, now)).toEqual({
      error: "another runner holds this attempt",
      settle: "later",
    });
  });

  it("gives back for later a newer attempt while the holder still runs the job, or has reported it completed", async () => {
    expect(await startRefusal(running, { attempt: 2, claim: "c1" }, R2, lookups(alive([JOB])).l, now)).toEqual({
      error: "the runner of the current attempt is still running it",
      settle: "later",
    });
    const done = lookups(alive([]), { type: "completed", attempt: 1 });
    expect(await startRefusal(running, { attempt: 2, claim: "c1" }, R2, done.l, now)).toEqual({
      error: "the job has completed; its result is being recorded",
      settle: "later",
    });
    expect(done.asked).toEqual([`holder ${R1}`, `last ${R1}`]);
  });

  it("lets a newer attempt start when the holder's lease lapsed: offline, or no longer naming the job", async () => {
    expect(await startRefusal(running, { attempt: 2, claim: "c1" }, R2, lookups(gone).l, now)).toBeUndefined();
    const stepped = lookups(alive(["another-job"]), { type: "step", attempt: 1 });
    expect(await startRefusal(running, { attempt: 2, claim: "c1" }, R2, stepped.l, now)).toBeUndefined();
    // A completed report of an older attempt says nothing about this one.
    const older = lookups(undefined, { type: "completed", attempt: 0 });
    expect(await startRefusal(running, { attempt: 2, claim: "c1" }, R2, older.l, now)).toBeUndefined();
  });
});
