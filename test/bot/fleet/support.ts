/**
 * A runner row as the fleet reads it, seen moments before `now`.
 */
import type { Fleet } from "../../../bot/fleet/queued-explanation.ts";

export const now = new Date("2026-01-01T12:00:00Z");
export const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);
export const runner = (over: Partial<Fleet["runners"][number]> = {}): Fleet["runners"][number] => ({
  namespace: "default",
  labels: ["linux", "self-hosted", "x64"],
  exclusiveLabels: [],
  lastSeenAt: secondsAgo(5),
  removedAt: null,
  running: [],
  concurrency: 1,
  ...over,
});
