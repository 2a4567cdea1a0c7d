/**
 * Releasing jobs: a job is published once everything it `needs` has finished in its
 * namespace and its `if` says run (else it is completed as skipped), and a matrix leg only
 * while fewer than `max-parallel` of its siblings are running. The planner calls this for a
 * new run, the reporter after every completed job. Safe to run concurrently: a job is
 * claimed by setting `published_at` where it is still empty.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { jobs } from "../../db/schema.ts";
import { encode, type JobMessage } from "../../protocol/messages.ts";
import { labelsetToken } from "../../protocol/labels.ts";
import { ensureJobConsumer } from "../../protocol/setup.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import type { Bus } from "../bus/connect.ts";
import { repoRef, type Forge } from "../forges/forge.ts";
import { ConditionError, shouldRun } from "./job-condition.ts";
import { needsContext } from "./reusable-workflows.ts";
import type { JobRow, RunRow } from "./store-run.ts";

export interface ReleaseDeps {
  db: Db;
  bus: Bus;
  lease: LeaseSettings;
  log: Logger;
}

export interface ReleaseHooks {
  forge: Forge;
  cloneToken: () => Promise<string | undefined>;
  /** A job completed without running (skipped, or its `if` broke): settle the run's status. */
  onCompleted: (row: JobRow) => Promise<void>;
}

export async function releaseReadyJobs(deps: ReleaseDeps, run: RunRow, hooks: ReleaseHooks): Promise<void> {
  // Skipping a job can make its dependents ready (to be skipped too): go round until quiet.
  for (let round = 0; round < 1000; round++) {
    const rows = await deps.db.select().from(jobs).where(eq(jobs.runId, run.id));
    const batches = new Map<string, { row: JobRow; needs: JobMessage["contexts"]["needs"] }[]>();
    let settledOne = false;
    for (const row of rows) {
      if (row.publishedAt !== null || row.status !== "queued" || !row.spec) continue;
      const needs = needsOf(row, rows);
      if (!needs || atParallelLimit(row, rows)) continue;
      let run_ = true;
      let broken: string | undefined;
      try {
        run_ = shouldRun(row.condition, {
          github: run.githubContext,
          vars: {},
          // A called workflow's jobs see the call's `with:`; the others the dispatch's inputs.
          inputs: (row.spec as JobMessage).contexts?.inputs ?? (run.githubContext.event as { inputs?: Record<string, unknown> } | undefined)?.inputs ?? {},
          needs,
          matrix: (row.spec as JobMessage).contexts?.matrix ?? null,
          strategy: (row.spec as JobMessage).contexts?.strategy ?? null,
        });
      } catch (error) {
        if (!(error instanceof ConditionError)) throw error;
        broken = error.message;
      }
      if (!(await claim(deps.db, row.id))) continue;
      // Later rows of this pass count it against max-parallel.
      row.publishedAt = new Date();
      if (broken !== undefined || !run_) {
        await completeWithoutRunning(deps, run, row, hooks, broken);
        settledOne = true;
        continue;
      }
      // One message for every namespace that releases this job now with the same needs.
      const key = `${row.jobKey}\0${JSON.stringify(needs)}`;
      const batch = batches.get(key) ?? [];
      batch.push({ row, needs });
      batches.set(key, batch);
    }
    await Promise.all([...batches.values()].map((batch) => publish(deps, run, batch, hooks)));
    if (!settledOne) return;
  }
}

/** The `needs` context when every needed job has finished in this namespace; undefined until then. */
function needsOf(row: JobRow, rows: JobRow[]): JobMessage["contexts"]["needs"] | undefined {
  // Needs on a job that called a reusable workflow fold its jobs into one entry (reusable-workflows.ts).
  return needsContext(row, rows);
}

function atParallelLimit(row: JobRow, rows: JobRow[]): boolean {
  if (!row.maxParallel) return false;
  const running = rows.filter((r) => r.namespace === row.namespace && r.jobId === row.jobId && r.publishedAt !== null && r.status !== "completed");
  return running.length >= row.maxParallel;
}

async function claim(db: Db, jobId: string): Promise<boolean> {
  const claimed = await db.update(jobs).set({ publishedAt: new Date() }).where(and(eq(jobs.id, jobId), isNull(jobs.publishedAt))).returning({ id: jobs.id });
  return claimed.length > 0;
}

async function completeWithoutRunning(deps: ReleaseDeps, run: RunRow, row: JobRow, hooks: ReleaseHooks, broken: string | undefined) {
  const conclusion = broken ? "failure" : "skipped";
  const title = broken ? "The job's condition could not be evaluated" : "Skipped: its `needs` or `if` said not to run";
  if (row.checkRunId !== null) {
    await hooks.forge.updateCheck(repoRef(run.repository), row.checkRunId, {
      status: "completed",
      conclusion,
      completedAt: new Date().toISOString(),
      output: { title, summary: broken ?? `\`if: ${row.condition}\` was false given the results of ${row.needs.map((n) => `\`${n}\``).join(", ") || "this run"}.` },
    });
  }
  const [done] = await deps.db
    .update(jobs)
    .set({ status: "completed", conclusion, message: broken ?? null, completedAt: new Date() })
    .where(eq(jobs.id, row.id))
    .returning();
  if (done) await hooks.onCompleted(done);
}

async function publish(deps: ReleaseDeps, run: RunRow, batch: { row: JobRow; needs: JobMessage["contexts"]["needs"] }[], hooks: ReleaseHooks) {
  const first = batch[0]!;
  const spec = first.row.spec as JobMessage;
  // Consumers first: the jobs stream keeps a message only for consumers that exist.
  await Promise.all(batch.map(({ row }) => ensureJobConsumer(deps.bus.jsm, deps.bus.labelsets, deps.bus.names, row.namespace, row.labels, deps.lease)));
  const token = await hooks.cloneToken();
  const message: JobMessage = {
    ...spec,
    executions: Object.fromEntries(batch.map(({ row }) => [row.namespace, row.id])),
    checkout: { ...spec.checkout, ...(token ? { token } : {}) },
    contexts: { ...spec.contexts, github: run.githubContext, needs: first.needs },
  };
  const namespaces = batch.map(({ row }) => row.namespace).sort().join(",");
  await deps.bus.js.publish(deps.bus.names.jobsSubject(labelsetToken(first.row.labels)), encode(message), { msgID: `${run.id}:${first.row.jobKey}:${namespaces}:1` });
  deps.log.debug({ run: run.id, job: first.row.jobKey, namespaces }, "job released");
}
