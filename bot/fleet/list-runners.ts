/**
 * The fleet as operators see it (`GET /api/v1/runners`, `flotilla runners`, the runners page):
 * each runner with its state and the jobs it is running, linked to their log pages.
 */
import { and, asc, eq, inArray, isNull, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, runners, runs } from "../../db/schema.ts";
import { jobUrl } from "../runs/links.ts";
import { runnerState, type RunnerState } from "./runner-state.ts";

interface CurrentJob {
  id: string;
  name: string;
  repository: string;
  workflow: string;
  runNumber: number;
  /** The job's log page (with its run's token: the operator may read every log). */
  url: string;
}

export interface RunnerView {
  id: string;
  name: string;
  namespace: string;
  labels: string[];
  version: string;
  state: RunnerState;
  concurrency: number;
  /** What it is running, as its last heartbeat said; empty when offline (that word is stale). */
  jobs: CurrentJob[];
  registeredAt: string;
  lastSeenAt: string | null;
  removedAt: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listRunners(
  db: Db,
  options: { namespace?: string; all?: boolean; publicUrl: string; now?: Date },
): Promise<RunnerView[]> {
  const now = options.now ?? new Date();
  const where: SQL[] = [];
  if (options.namespace) where.push(eq(runners.namespace, options.namespace));
  if (!options.all) where.push(isNull(runners.removedAt));
  const rows = await db
    .select()
    .from(runners)
    .where(and(...where))
    .orderBy(asc(runners.namespace), asc(runners.name));
  const states = rows.map((row) => runnerState(row, now));
  // Execution ids come from runners' heartbeats: only well-formed ones reach the uuid column.
  const running = [
    ...new Set(rows.flatMap((row, i) => (states[i] === "offline" || states[i] === "removed" ? [] : row.running))),
  ].filter((id) => UUID.test(id));
  const current = new Map<string, CurrentJob>();
  if (running.length > 0) {
    const found = await db
      .select({
        id: jobs.id,
        name: jobs.name,
        repository: runs.repository,
        workflow: runs.workflowName,
        runNumber: runs.runNumber,
        token: runs.accessToken,
      })
      .from(jobs)
      .innerJoin(runs, eq(jobs.runId, runs.id))
      .where(inArray(jobs.id, running));
    for (const { token, ...job } of found)
      current.set(job.id, { ...job, url: jobUrl(options.publicUrl, job.id, token) });
  }
  return rows.map((row, i) => ({
    id: row.id,
    name: row.name,
    namespace: row.namespace,
    labels: row.labels,
    version: row.version,
    state: states[i]!,
    concurrency: row.concurrency,
    jobs: states[i] === "offline" || states[i] === "removed" ? [] : row.running.flatMap((id) => current.get(id) ?? []),
    registeredAt: row.registeredAt.toISOString(),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    removedAt: row.removedAt?.toISOString() ?? null,
  }));
}
