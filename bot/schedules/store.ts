/**
 * The default branches' schedules in Postgres: replaced as a whole per repository when a push
 * to its default branch is planned, read whole by every bot's timer. A few rows per repository,
 * so the timer reads them all rather than asking for the next one.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { schedules } from "../../db/schema.ts";

export type ScheduleRow = typeof schedules.$inferSelect;

/** Who and where a set of schedules belongs to: everything but the crons. */
export type ScheduleOwner = Omit<ScheduleRow, "workflowPath" | "cron" | "timezone" | "updatedAt">;

export interface ScheduleEntry {
  workflowPath: string;
  cron: string;
  timezone: string;
}

/** Makes `entries` the repository's whole set; true when the set changed. */
export async function replaceSchedules(db: Db, owner: ScheduleOwner, entries: ScheduleEntry[]): Promise<boolean> {
  const ofRepo = and(eq(schedules.forge, owner.forge), eq(schedules.repositoryName, owner.repositoryName));
  // No schedule (most pushes): one delete is the whole change, no transaction needed around it.
  if (entries.length === 0) return (await db.delete(schedules).where(ofRepo).returning()).length > 0;
  return db.transaction(async (tx) => {
    const before = await tx.delete(schedules).where(ofRepo).returning();
    if (entries.length > 0) await tx.insert(schedules).values(entries.map((entry) => ({ ...owner, ...entry })));
    const key = (e: ScheduleEntry) => `${e.workflowPath}\n${e.cron}\n${e.timezone}`;
    const old = new Set(before.map(key));
    return old.size !== entries.length || entries.some((entry) => !old.has(key(entry)));
  });
}

export function listSchedules(db: Db): Promise<ScheduleRow[]> {
  return db.select().from(schedules);
}
