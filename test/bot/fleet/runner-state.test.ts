/**
 * When a runner counts as offline or busy, and how long ago it was seen, in words.
 */
import { describe, expect, it } from "vitest";
import { ago, runnerState } from "../../../bot/fleet/runner-state.ts";
import { now, runner, secondsAgo } from "./support.ts";

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
    expect([
      ago(secondsAgo(12), now),
      ago(secondsAgo(300), now),
      ago(secondsAgo(3 * 3600), now),
      ago(secondsAgo(3 * 86_400), now),
      ago(null, now),
    ]).toEqual(["12s ago", "5m ago", "3h ago", "3d ago", "never"]);
  });
});
