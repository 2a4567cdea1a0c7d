/**
 * The runs `/` lists: every forge's, newest first, narrowed by repository and status, a page
 * at a time. Pages are keyset pages — the run a page starts after is named in the link — so a
 * run that starts while someone reads does not shift the next page by one.
 */
import { and, asc, desc, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { runs } from "../../db/schema.ts";
import type { RunRow } from "../runs/rows.ts";

/** What the status filter offers: a run's status while it runs, its conclusion once done. */
export const RUN_STATUSES = ["queued", "in_progress", "success", "failure", "cancelled", "action_required"] as const;

export interface RunsQuery {
  repository?: string;
  status?: string;
  /** The page of runs older than this run (the "next" link). */
  before?: string;
  /** The page of runs newer than this run (the "previous" link). */
  after?: string;
  limit: number;
  /** Anonymous viewers: runs of repositories the forge called public, nothing else. */
  publicOnly: boolean;
}

export interface RunsPage {
  runs: RunRow[];
  /** The run to go on after (older), when there are more. */
  next?: string;
  /** The run to go back from (newer), when there are newer ones. */
  previous?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listRuns(db: Db, query: RunsQuery): Promise<RunsPage> {
  const filters = visible(query);
  const after = query.after && UUID.test(query.after) ? query.after : undefined;
  const before = !after && query.before && UUID.test(query.before) ? query.before : undefined;
  const cursor = (id: string, op: "<" | ">") =>
    sql`(${runs.createdAt}, ${runs.id}) ${sql.raw(op)} (select r.created_at, r.id from ${runs} r where r.id = ${id})`;
  if (after) {
    // Newer than the cursor: read upwards, then show newest first like every page.
    const rows = await db
      .select()
      .from(runs)
      .where(and(...filters, cursor(after, ">")))
      .orderBy(asc(runs.createdAt), asc(runs.id))
      .limit(query.limit + 1);
    // Back at the newest runs: the first page, full, as the list opens.
    if (rows.length <= query.limit) return listRuns(db, { ...query, after: undefined, before: undefined });
    const page = rows.slice(0, query.limit).reverse();
    return { runs: page, previous: page[0]?.id, next: page.at(-1)?.id };
  }
  const rows = await db
    .select()
    .from(runs)
    .where(and(...filters, ...(before ? [cursor(before, "<")] : [])))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  return {
    runs: page,
    next: rows.length > query.limit ? page.at(-1)?.id : undefined,
    previous: before ? page[0]?.id : undefined,
  };
}

/** The repositories the filter offers: those with runs this viewer may see. */
export async function runRepositories(db: Db, publicOnly: boolean): Promise<string[]> {
  const rows = await db
    .selectDistinct({ repository: runs.repository })
    .from(runs)
    .where(and(...visible({ publicOnly })))
    .orderBy(asc(runs.repository));
  return rows.map((r) => r.repository);
}

function visible(query: Pick<RunsQuery, "repository" | "status" | "publicOnly">): SQL[] {
  const filters: SQL[] = [];
  // Null (a run planned before the column) and unknown (plain git) count as private.
  if (query.publicOnly) filters.push(eq(runs.private, false));
  if (query.repository) filters.push(eq(runs.repository, query.repository));
  if (query.status === "queued" || query.status === "in_progress") filters.push(eq(runs.status, query.status));
  else if (query.status) filters.push(and(eq(runs.status, "completed"), eq(runs.conclusion, query.status))!);
  return filters;
}
