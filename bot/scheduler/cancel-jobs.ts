/**
 * Cancelling jobs (fail-fast, a newer run in the same concurrency group, and later /cancel):
 * the job row and its check run become `cancelled` with the reason at once; a runner that is
 * running it gets the reason on the job's cancel subject and stops its processes. A runner
 * that picks the job up afterwards is told again when it reports `started` (see the reporter).
 * A cancelled job is reported as cancelled, never as failed.
 */
import { jobCheck } from "../runs/links.ts";
import { and, eq, ne } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { jobs } from "../../db/schema.ts";
import type { Bus } from "../bus/connect.ts";
import type { Forge } from "../forges/forge.ts";
import { repoRef } from "../runs/repo-ref.ts";
import { settleNamespace } from "./settle.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";

export interface CancelDeps {
  db: Db;
  bus: Bus;
  forge: Forge;
  publicUrl: string;
  log: Logger;
}

export async function cancelJobs(deps: CancelDeps, run: RunRow, rows: JobRow[], reason: string): Promise<number> {
  let cancelled = 0;
  const namespaces = new Set<string>();
  for (const row of rows) {
    if (row.status === "completed") continue;
    const [done] = await deps.db
      .update(jobs)
      .set({ status: "completed", conclusion: "cancelled", message: reason, completedAt: new Date() })
      .where(and(eq(jobs.id, row.id), ne(jobs.status, "completed")))
      .returning({ id: jobs.id });
    if (!done) continue;
    cancelled++;
    namespaces.add(row.namespace);
    if (row.publishedAt !== null) deps.bus.nc.publish(deps.bus.names.cancelSubject(row.id), reason);
    if (row.checkRunId !== null) {
      await deps.forge.updateCheck(repoRef(run.repository), jobCheck(run, row, row.checkRunId, deps.publicUrl), {
        status: "completed",
        conclusion: "cancelled",
        completedAt: new Date().toISOString(),
        output: { title: titleOf(reason), summary: reason },
        // A running job had a Cancel button; a finished one has none.
        ...(row.startedAt !== null ? { actions: [] } : {}),
      });
    }
  }
  for (const namespace of namespaces)
    await settleNamespace(deps.db, deps.forge, run, namespace, deps.publicUrl, deps.bus);
  if (cancelled > 0) deps.log.info({ run: run.id, cancelled, reason }, "jobs cancelled");
  return cancelled;
}

/** "Cancelled by @octocat with /cancel" says it all; "fail-fast: build failed" needs the word. */
function titleOf(reason: string): string {
  return /^(Cancel|Supersed)/.test(reason) ? reason : `Cancelled: ${reason}`;
}

/** Tells a runner that picked up an already-cancelled job to stop. */
export function repeatCancel(bus: Bus, row: JobRow): void {
  bus.nc.publish(bus.names.cancelSubject(row.id), row.message ?? "cancelled");
}
