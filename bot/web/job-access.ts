/**
 * Which job a `/jobs/:id…` URL names, given that its run's token came with it: the page, the
 * live stream and the raw download admit exactly the same people (whoever holds the link a
 * check run's "Details" gives), and a wrong token looks exactly like no job.
 */
import type { IncomingMessage } from "node:http";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, runs } from "../../db/schema.ts";
import { pathOf } from "../http/handler.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";
import { tokenMatches } from "./pages.ts";

const JOB_PATH = /^\/jobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/log\.txt|\/events)?$/i;

export type JobView = "page" | "log.txt" | "events";

/** The view a GET asks for, or undefined when the path is not a job's. */
export function jobPath(req: IncomingMessage): { jobId: string; view: JobView; query: URLSearchParams } | undefined {
  if (req.method !== "GET") return undefined;
  const { path, query } = pathOf(req);
  const match = JOB_PATH.exec(path);
  if (!match) return undefined;
  const view = match[2] === "/log.txt" ? "log.txt" : match[2] === "/events" ? "events" : "page";
  return { jobId: match[1]!.toLowerCase(), view, query };
}

/** The job and its run, when `token` is the run's. */
export async function jobWithToken(
  db: Db,
  jobId: string,
  token: string,
): Promise<{ job: JobRow; run: RunRow } | undefined> {
  const [row] = await db
    .select({ job: jobs, run: runs })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(eq(jobs.id, jobId));
  return row && tokenMatches(row.run.accessToken, token) ? row : undefined;
}
