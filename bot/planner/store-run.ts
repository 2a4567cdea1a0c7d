/**
 * The planner's Postgres writes. Each is idempotent, so a delivery planned twice (a bot that
 * died half way, a redelivered webhook) completes the first plan instead of starting a second.
 */
import { applyAliases, type LabelAliases } from "../fleet/label-aliases.ts";
import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { jobs, namespaces, pullRequests, runs, runStatuses, type JobSpec } from "../../db/schema.ts";
import { followsRepository } from "../fleet/namespace-follows.ts";
import type { PlannedJob } from "../workflows/workflow.ts";
import type { RunContext } from "../runs/run-context.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";
import { currentJobsOf } from "../runs/current-jobs.ts";

/** The pull request's head as of this event: commands in its comments find the commit here. */
export async function recordPullRequest(db: Db, context: RunContext): Promise<void> {
  const pr = context.pullRequest;
  if (!pr) return;
  const values = {
    repository: context.repo.fullName,
    number: pr.number,
    headSha: context.sha,
    fork: context.fork,
    author: pr.author,
    updatedAt: new Date(),
  };
  await db
    .insert(pullRequests)
    .values(values)
    .onConflictDoUpdate({
      target: [pullRequests.repository, pullRequests.number],
      set: { headSha: values.headSha, fork: values.fork, author: values.author, updatedAt: values.updatedAt },
    });
}

/** A fork's run waiting for `/ok-to-test`: its jobs are completed as `action_required`, never published. */
export async function holdForApproval(db: Db, runId: string, reason: string): Promise<void> {
  await db
    .update(jobs)
    .set({ status: "completed", conclusion: "action_required", message: reason, completedAt: new Date() })
    .where(and(currentJobsOf(runId), isNull(jobs.publishedAt)));
}

export async function upsertRun(
  db: Db,
  context: RunContext,
  path: string,
  name: string,
  error?: string,
  /** The run's `github` context but its `run_id` and `run_number`, which the insert adds: no second write. */
  github?: Record<string, unknown>,
): Promise<RunRow> {
  const next = sql<number>`(select coalesce(max(${runs.runNumber}), 0) + 1 from ${runs} where ${runs.repository} = ${context.repo.fullName} and ${runs.workflowPath} = ${path})`;
  const id = randomUUID();
  const [created] = await db
    .insert(runs)
    .values({
      id,
      ...(github
        ? {
            githubContext: sql`${JSON.stringify(github)}::jsonb || jsonb_build_object('run_id', ${id}::text, 'run_number', ${next})`,
          }
        : {}),
      deliveryId: context.deliveryId,
      forge: context.forge,
      installationId: context.installationId,
      fork: context.fork,
      private: context.private,
      repository: context.repo.fullName,
      workflowPath: path,
      workflowName: name,
      eventName: context.eventName,
      sha: context.sha,
      ref: context.ref,
      accessToken: randomBytes(24).toString("base64url"),
      runNumber: next,
      ...(error ? { error, status: "completed" as const, conclusion: "failure", completedAt: new Date() } : {}),
    })
    .onConflictDoNothing()
    .returning();
  if (created) return created;
  const [row] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.deliveryId, context.deliveryId), eq(runs.workflowPath, path)));
  if (!row) throw new Error(`run for ${context.deliveryId} ${path} vanished`);
  return row;
}

/** Records that the run's check run is about to be created; true when an earlier attempt did (see `jobs.checkRequestedAt`). */
export async function requestRunCheck(db: Db, runId: string): Promise<boolean> {
  const fresh = await db
    .update(runs)
    .set({ checkRequestedAt: new Date() })
    .where(and(eq(runs.id, runId), isNull(runs.checkRequestedAt)))
    .returning({ id: runs.id });
  return fresh.length === 0;
}

export async function setRunCheckRun(db: Db, runId: string, checkRunId: number): Promise<void> {
  await db.update(runs).set({ checkRunId }).where(eq(runs.id, runId));
}

/** The namespaces that follow `repository` (read per run: a change through the API applies to the next event). */
/** The namespaces following `repository`, by name, with their label aliases. */
export async function namespacesFollowing(
  db: Db,
  repository: string,
): Promise<{ name: string; aliases: LabelAliases }[]> {
  const rows = await db
    .select({ name: namespaces.name, follows: namespaces.follows, aliases: namespaces.aliases })
    .from(namespaces);
  return rows
    .filter((r) => followsRepository(r.follows, repository))
    .map((r) => ({ name: r.name, aliases: r.aliases }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export async function setGithubContext(db: Db, runId: string, githubContext: Record<string, unknown>): Promise<void> {
  await db.update(runs).set({ githubContext }).where(eq(runs.id, runId));
}

/** One job row per planned job and namespace: each namespace reports its own check run. */
export async function upsertJobs(
  db: Db,
  run: RunRow,
  planned: PlannedJob[],
  names: string[],
  specOf: (job: PlannedJob) => JobSpec,
  /** Each namespace's label aliases: a job's labelset there (bot/fleet/label-aliases.ts). */
  aliases: Record<string, LabelAliases> = {},
): Promise<JobRow[]> {
  const values = planned.flatMap((job) => {
    const spec = specOf(job);
    return names.map((namespace) => ({
      runId: run.id,
      jobKey: job.key,
      jobId: job.jobId,
      name: job.name,
      namespace,
      labels: applyAliases(job.runsOn, aliases[namespace] ?? {}),
      needs: job.job.needs,
      condition: job.job.if,
      maxParallel: job.job.strategy?.maxParallel ?? null,
      continueOnError: job.job.continueOnError,
      callOutputs: job.call?.outputs ?? {},
      spec,
    }));
  });
  const inserted = values.length > 0 ? await db.insert(jobs).values(values).onConflictDoNothing().returning() : [];
  // A plan being finished after a crash finds some rows already there.
  return inserted.length === values.length ? inserted : db.select().from(jobs).where(currentJobsOf(run.id));
}

/**
 * Records that check runs are about to be created for `jobIds`, in one statement; returns the
 * ids an earlier attempt had recorded already: their check runs may exist on the forge.
 */
export async function requestJobChecks(db: Db, jobIds: string[]): Promise<Set<string>> {
  if (jobIds.length === 0) return new Set();
  const fresh = await db
    .update(jobs)
    .set({ checkRequestedAt: new Date() })
    .where(and(inArray(jobs.id, jobIds), isNull(jobs.checkRequestedAt)))
    .returning({ id: jobs.id });
  const now = new Set(fresh.map((row) => row.id));
  return new Set(jobIds.filter((id) => !now.has(id)));
}

export async function setJobCheckRun(db: Db, jobId: string, checkRunId: number): Promise<void> {
  await db.update(jobs).set({ checkRunId }).where(eq(jobs.id, jobId));
}

/** Namespaces whose pending status has not been recorded yet. */
export async function missingStatuses(db: Db, runId: string, names: string[]): Promise<string[]> {
  const rows = await db
    .select({ namespace: runStatuses.namespace })
    .from(runStatuses)
    .where(eq(runStatuses.runId, runId));
  const have = new Set(rows.map((r) => r.namespace));
  return names.filter((n) => !have.has(n));
}

export async function recordStatus(db: Db, runId: string, namespace: string, context: string): Promise<void> {
  await db.insert(runStatuses).values({ runId, namespace, context }).onConflictDoNothing();
}
