/**
 * A run and a job as every part of the bot reads them: rows of db/schema.ts, defined once.
 */
import type { jobs, runs } from "../../db/schema.ts";

export type RunRow = typeof runs.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
