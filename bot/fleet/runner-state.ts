/**
 * What a runner is doing, from its row and the time: the one rule behind `flotilla runners`,
 * the runners page and a queued check run's explanation, so all three always agree.
 */
import type { runners } from "../../db/schema.ts";

/**
 * A runner whose last heartbeat is older than this is offline. Runners beat every 10 s
 * (FLOTILLA_RUNNER_HEARTBEAT_MS) and at once when a job starts or ends, so three missed beats
 * in a row mean it is gone. docs/runners.md states the same number.
 */
export const RUNNER_OFFLINE_AFTER_MS = 30_000;

/**
 * - `online`: heartbeating, with a free slot for a job;
 * - `busy`: heartbeating, every slot (`--concurrency`) taken;
 * - `offline`: no heartbeat for 30 s, or none yet (registered, never started);
 * - `removed`: `flotilla runner remove`d; listed only when asked for.
 */
export type RunnerState = "online" | "busy" | "offline" | "removed";

export type RunnerRow = typeof runners.$inferSelect;

export function runnerState(
  row: Pick<RunnerRow, "lastSeenAt" | "removedAt" | "running" | "concurrency">,
  now: Date,
): RunnerState {
  if (row.removedAt) return "removed";
  if (!row.lastSeenAt || now.getTime() - row.lastSeenAt.getTime() > RUNNER_OFFLINE_AFTER_MS) return "offline";
  return row.running.length >= row.concurrency ? "busy" : "online";
}

/** "12s ago", "5m ago", "3h ago", "2d ago"; "never" for a runner that has not beaten yet. */
export function ago(then: Date | null, now: Date): string {
  if (!then) return "never";
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}
