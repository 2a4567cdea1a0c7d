/**
 * Which bot fires a cron slot: the one whose `create` of the slot's key in the schedules KV
 * bucket succeeded. `create` is a compare-and-swap on "no such key", so of several replicas
 * waking for the same slot exactly one wins, and the slot fires once. Keys age out after a
 * day (nats-server 2.9 has no per-key TTL), long after every replica's timer has passed the
 * slot. The same bucket's `changed` key is how a bot that recorded new schedules wakes the
 * others' timers.
 */
import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";

export const CHANGED_KEY = "changed";

/** How long a slot's claim is kept: the schedules bucket's age limit. */
export const SLOT_CLAIM_TTL_MS = 24 * 3600_000;

/** One cron of one workflow of one repository: the slot keys' prefix and the delivery ids'. */
export function scheduleKey(parts: {
  forge: string;
  repositoryName: string;
  workflowPath: string;
  cron: string;
  timezone: string;
}): string {
  const text = [parts.forge, parts.repositoryName, parts.workflowPath, parts.cron, parts.timezone].join("\n");
  return createHash("sha256").update(text).digest("hex").slice(0, 40);
}

/** True for the one caller that claimed the slot; false when another bot did first. */
export async function claimSlot(kv: KV, schedule: string, slot: Date, botId: string): Promise<boolean> {
  try {
    await kv.create(`slot.${schedule}.${slot.getTime() / 60_000}`, botId);
    return true;
  } catch {
    return false;
  }
}

export function announceChange(kv: KV, botId: string): Promise<void> {
  return kv.put(CHANGED_KEY, `${botId} ${Date.now()}`).then(() => undefined);
}
