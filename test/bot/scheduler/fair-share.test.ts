/**
 * The order a labelset's runners get jobs in: a repository with one job waits for at most one
 * job of each other active repository, weights share the runners in their ratio, high goes
 * first, low only when nothing else waits, FIFO inside one repository.
 */
import { describe, expect, it } from "vitest";
import { EMPTY_FAIR_SHARE, nextJob, type Priority, type ReadyJob } from "../../../bot/scheduler/fair-share.ts";

/** A queue a single runner drains one job at a time, as the release pass would feed it. */
function queue(weights: Record<string, number> = {}) {
  const ready: ReadyJob[] = [];
  let state = EMPTY_FAIR_SHARE;
  let order = 0;
  return {
    add(repository: string, count = 1, priority: Priority = "normal"): string[] {
      return Array.from({ length: count }, () => {
        const id = `${repository}#${++order}`;
        ready.push({ id, repository, priority, order });
        return id;
      });
    },
    /** Releases the next job and returns it. */
    take(): ReadyJob | undefined {
      const next = nextJob(ready, state, (repository) => weights[repository] ?? 1);
      if (!next) return undefined;
      state = next.state;
      ready.splice(ready.indexOf(next.job), 1);
      return next.job;
    },
    takeAll(): ReadyJob[] {
      const taken: ReadyJob[] = [];
      for (let job = this.take(); job; job = this.take()) taken.push(job);
      return taken;
    },
  };
}

describe("fair share across repositories", () => {
  it("starts B's one job within A's next 2 jobs, though A queued 200 before it", () => {
    const q = queue();
    const a = q.add("acme/a", 200);
    for (let i = 0; i < 37; i++) q.take();
    const [b] = q.add("acme/b");
    const next = [q.take(), q.take()].map((job) => job?.id);
    expect(next).toContain(b);
    // A's jobs keep their order around it.
    expect(q.takeAll().map((job) => job.id)).toEqual(a.slice(37 + 1));
  });

  it("shares a runner 2:1 between weights 2 and 1 over 300 jobs", () => {
    const q = queue({ "acme/heavy": 2 });
    q.add("acme/heavy", 400);
    q.add("other/light", 400);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const job = q.take()!;
      counts[job.repository] = (counts[job.repository] ?? 0) + 1;
    }
    const ratio = counts["acme/heavy"]! / counts["other/light"]!;
    expect(ratio).toBeGreaterThanOrEqual(1.8);
    expect(ratio).toBeLessThanOrEqual(2.2);
  });

  it("gives an idle repository no credit: it rejoins at the others' pace, not ahead of them", () => {
    const q2 = queue();
    q2.add("acme/a", 50);
    q2.add("acme/b", 1);
    for (let i = 0; i < 20; i++) q2.take();
    q2.add("acme/b", 5);
    const after = Array.from({ length: 10 }, () => q2.take()!.repository);
    // Alternating, not five of b in a row to make up for the twenty of a.
    expect(after.filter((r) => r === "acme/b")).toHaveLength(5);
    expect(after.slice(0, 4).filter((r) => r === "acme/b").length).toBeLessThanOrEqual(2);
  });
});

describe("priority", () => {
  it("starts a high job queued behind 100 normal ones next", () => {
    const q = queue();
    q.add("acme/a", 60);
    q.add("acme/b", 40);
    q.take();
    const [urgent] = q.add("acme/c", 1, "high");
    expect(q.take()?.id).toBe(urgent);
  });

  it("runs low jobs only when nothing else waits", () => {
    const q = queue();
    const low = q.add("acme/deps", 3, "low");
    q.add("acme/a", 5);
    q.add("acme/b", 5);
    const order = q.takeAll().map((job) => job.id);
    expect(order.slice(-3)).toEqual(low);
  });
});
