/**
 * Which job rows of a run are its current attempt's. A re-run adds rows for the jobs it runs
 * again and marks the ones they replace superseded; those stay as history (check run, log,
 * result) and every scheduling or settling query reads past them with this condition.
 */
import { and, eq, isNull, type SQL } from "drizzle-orm";
import { jobs } from "../../db/schema.ts";

export function currentJobsOf(runId: string): SQL {
  return and(eq(jobs.runId, runId), isNull(jobs.supersededAt))!;
}
