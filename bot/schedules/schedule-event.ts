/**
 * A fired slot as a forge event on the events stream, shaped like GitHub's `schedule` payload
 * (`schedule` is the cron, `workflow` the file), so the planner plans it like any delivery.
 * The delivery id is the slot's own: should two bots ever both publish one, JetStream's
 * duplicate window and the planner's `deliveries` row still make one run of it.
 */
import type { ForgeEvent } from "../../protocol/messages.ts";
import type { ScheduleRow } from "./store.ts";

export function scheduleEvent(row: ScheduleRow, schedule: string, slot: Date, now: Date): ForgeEvent {
  return {
    v: 1,
    forge: row.forge as ForgeEvent["forge"],
    deliveryId: `schedule-${schedule}-${slot.toISOString()}`,
    name: "schedule",
    payload: {
      schedule: row.cron,
      workflow: row.workflowPath,
      repository: row.repository,
      sender: { login: row.actor, type: "User" },
      ...(row.installationId !== null ? { installation: { id: row.installationId } } : {}),
    },
    receivedAt: now.toISOString(),
  };
}
