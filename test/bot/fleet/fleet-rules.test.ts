/**
 * The rules behind what operators and developers read about the fleet: when a runner counts as
 * offline or busy, which repositories a namespace follows, and what a queued check run says.
 */
import { describe, expect, it } from "vitest";
import { followsRepository } from "../../../bot/fleet/namespace-follows.ts";
import { queuedExplanation, type Fleet } from "../../../bot/fleet/queued-explanation.ts";
import { ago, runnerState } from "../../../bot/fleet/runner-state.ts";

const now = new Date("2026-01-01T12:00:00Z");
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);
const runner = (over: Partial<Fleet["runners"][number]> = {}): Fleet["runners"][number] => ({
  namespace: "default",
  labels: ["linux", "self-hosted", "x64"],
  lastSeenAt: secondsAgo(5),
  removedAt: null,
  running: [],
  concurrency: 1,
  ...over,
});

describe("runner state", () => {
  it("is offline 30 s after the last heartbeat, or before the first", () => {
    expect(runnerState(runner({ lastSeenAt: secondsAgo(30) }), now)).toBe("online");
    expect(runnerState(runner({ lastSeenAt: secondsAgo(31) }), now)).toBe("offline");
    expect(runnerState(runner({ lastSeenAt: null }), now)).toBe("offline");
    expect(runnerState(runner({ removedAt: secondsAgo(1) }), now)).toBe("removed");
  });

  it("is busy when every slot is taken", () => {
    expect(runnerState(runner({ running: ["a"] }), now)).toBe("busy");
    expect(runnerState(runner({ running: ["a"], concurrency: 2 }), now)).toBe("online");
    expect(runnerState(runner({ running: ["a", "b"], concurrency: 2 }), now)).toBe("busy");
  });

  it("says how long ago in words", () => {
    expect([ago(secondsAgo(12), now), ago(secondsAgo(300), now), ago(secondsAgo(3 * 3600), now), ago(secondsAgo(3 * 86_400), now), ago(null, now)]).toEqual([
      "12s ago",
      "5m ago",
      "3h ago",
      "3d ago",
      "never",
    ]);
  });
});

describe("namespace follows", () => {
  it("follows every repository with an empty list", () => {
    expect(followsRepository([], "anyone/anything")).toBe(true);
  });

  it("matches owner/* within one path segment, case-insensitively, the last pattern deciding", () => {
    expect(followsRepository(["acme/*"], "ACME/Widgets")).toBe(true);
    expect(followsRepository(["acme/*"], "other/widgets")).toBe(false);
    expect(followsRepository(["Acme/Widgets", "x/y"], "acme/widgets")).toBe(true);
    expect(followsRepository(["*/docs"], "acme/docs")).toBe(true);
    expect(followsRepository(["acme/*", "!acme/secret"], "acme/secret")).toBe(false);
    expect(followsRepository(["acme/*", "!acme/secret"], "acme/public")).toBe(true);
  });
});

describe("the queued check run's explanation", () => {
  it("counts the runners that could take the job, by state", () => {
    const fleet: Fleet = {
      now,
      runners: [
        runner(),
        runner({ running: ["x"] }),
        runner({ lastSeenAt: secondsAgo(600) }),
        runner({ labels: ["linux", "self-hosted", "arm64"] }),
        runner({ namespace: "lab" }),
      ],
    };
    expect(queuedExplanation(fleet, "default", ["self-hosted", "X86_64"])).toEqual({
      title: "Waiting for a runner: 2 online (1 busy), 1 offline",
      summary: "Waiting for a runner with labels `self-hosted`, `x64` in namespace `default`: 2 online (1 busy), 1 offline when the job was queued. A free runner takes it in a moment.",
    });
    expect(queuedExplanation({ now, runners: [runner({ running: ["x"] })] }, "default", []).summary).toContain(
      "no particular labels in namespace `default`: 1 online (1 busy), 0 offline when the job was queued. Every runner that could run it is busy",
    );
  });

  it("says when no runner of the namespace has the labels, and how to register one", () => {
    const fleet: Fleet = { now, runners: [runner(), runner({ namespace: "lab", labels: ["gpu"] })] };
    const none = queuedExplanation(fleet, "default", ["self-hosted", "GPU"]);
    expect(none.title).toBe("No runner in namespace default has the labels gpu, self-hosted");
    expect(none.summary).toBe(
      "No runner in namespace `default` has the labels `gpu`, `self-hosted`: it has 1 runner, none with all of them (a runner needs every label a job asks for).\n\nThe job stays queued until one does: register one with `flotilla runner register --labels gpu,self-hosted` and start it.",
    );
    expect(queuedExplanation(fleet, "empty", []).title).toBe("No runner in namespace empty");
    expect(queuedExplanation(fleet, "empty", []).summary).toBe(
      "No runner in namespace `empty`: the namespace has no runners.\n\nThe job stays queued until one does: register one with `flotilla runner register --namespace empty` and start it.",
    );
  });
});
