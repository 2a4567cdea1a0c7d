/**
 * Re-running jobs: a new attempt of the run, as GitHub makes one. The chosen jobs, and every
 * completed job that needs one of them (transitively, in the same namespace), get new rows
 * with `run_attempt` one higher, new check runs (the old ones stay on the commit, as GitHub
 * keeps them) and a fresh release; the rows they replace are marked superseded and stay as the
 * run's history. Jobs not chosen keep their rows, so a re-run job's `needs` see the outputs the
 * first attempt produced. The attempt is taken with the run's row locked, so two re-runs of
 * one run (two bots, a double click) make two attempts one after the other, never a mix.
 *
 * A job still running cannot be re-run: it must finish or be cancelled first (GitHub refuses
 * the same). Jobs still waiting for their needs simply wait for the new attempt's rows.
 */
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { jobs, runs, runStatuses } from "../../db/schema.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import type { Bus } from "../bus/connect.ts";
import { queuedExplanation, readFleet } from "../fleet/queued-explanation.ts";
import type { Forge } from "../forges/forge.ts";
import { currentJobsOf } from "../runs/current-jobs.ts";
import { checkRunName, jobUrl, runUrl } from "../runs/links.ts";
import { repoRef } from "../runs/repo-ref.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";
import { cloneTokenForSpec } from "./clone-token.ts";
import { cancelJobs } from "./cancel-jobs.ts";
import { enterGroup, runKey, supersededReason, waitingReason } from "./concurrency-groups.ts";
import { createCheckOnce } from "./create-check-once.ts";
import { releaseReadyJobs } from "./release-jobs.ts";
import { settleNamespace } from "./settle.ts";

export interface RerunDeps {
  db: Db;
  bus: Bus;
  lease: LeaseSettings;
  log: Logger;
  publicUrl: string;
}

export interface Rerun {
  attempt: number;
  /** The new attempt's rows, each with its check run. */
  rows: JobRow[];
}

/**
 * Re-runs `chosen` (current rows of `run`) and what depends on them; `by` says who asked, for
 * the check runs ("Re-run by @octocat"). Fails, changing nothing, when a chosen job is still running.
 */
export async function rerunJobs(
  deps: RerunDeps,
  forge: Forge,
  run: RunRow,
  chosen: JobRow[],
  by: string,
): Promise<Result<Rerun>> {
  const taken = await takeAttempt(deps.db, run.id, new Set(chosen.map((r) => r.id)));
  if (!taken.ok) return taken;
  const { run: now, rows } = taken.value;
  const log = deps.log.child({ run: run.id, attempt: now.attempt });
  const namespaces = [...new Set(rows.map((r) => r.namespace))];
  const waiting = await enterRunGroupAgain(deps, forge, now);
  const fleet = await readFleet(deps.db, namespaces);
  const repo = repoRef(now.repository);
  await Promise.all([
    ...rows.map(async (row) => {
      const explanation = queuedExplanation(fleet, row.namespace, row.labels);
      const title = waiting ?? explanation.title;
      const id = await createCheckOnce(
        forge,
        repo,
        {
          name: checkRunName(row.name, row.namespace),
          headSha: now.sha,
          detailsUrl: jobUrl(deps.publicUrl, row.id, now.accessToken),
          externalId: row.id,
          status: "queued",
          output: { title, summary: `Re-run by ${by} (attempt ${now.attempt}).\n\n${explanation.summary}` },
        },
        false,
      );
      await deps.db
        .update(jobs)
        .set({ checkRunId: id, waitedFor: waiting ?? null })
        .where(eq(jobs.id, row.id));
      row.checkRunId = id;
    }),
    ...namespaces.map(async (namespace) => {
      const [status] = await deps.db
        .select({ context: runStatuses.context })
        .from(runStatuses)
        .where(and(eq(runStatuses.runId, now.id), eq(runStatuses.namespace, namespace)));
      if (!status) return;
      await forge.setCommitStatus(repo, now.sha, {
        state: "pending",
        context: status.context,
        description: `Re-run by ${by}`,
        targetUrl: runUrl(deps.publicUrl, now.id, now.accessToken),
        namespace,
      });
    }),
  ]);
  log.info({ jobs: rows.map((r) => r.jobKey), by }, "jobs re-run");
  if (waiting === undefined) {
    await releaseReadyJobs(deps, now, {
      forge,
      cloneToken: async (spec) => (spec ? cloneTokenForSpec(forge, spec) : undefined),
      onCompleted: (row) => settleNamespace(deps.db, forge, now, row.namespace, deps.publicUrl, deps.bus),
    });
  }
  return ok({ attempt: now.attempt, rows });
}

/** The new attempt's rows, made with the run locked; the replaced rows superseded. */
async function takeAttempt(
  db: Db,
  runId: string,
  chosenIds: Set<string>,
): Promise<Result<{ run: RunRow; rows: JobRow[] }>> {
  return db.transaction(async (tx) => {
    const [locked] = await tx.select().from(runs).where(eq(runs.id, runId)).for("update");
    if (!locked) return fail("the run no longer exists");
    const current = await tx.select().from(jobs).where(currentJobsOf(runId));
    const chosen = current.filter((r) => chosenIds.has(r.id));
    if (chosen.length === 0) return fail("those jobs were re-run already");
    const busy = chosen.filter((r) => r.status !== "completed");
    if (busy.length > 0) return fail(`${listNames(busy)} ${busy.length === 1 ? "is" : "are"} still running or queued`);
    const again = withDependents(chosen, current);
    const attempt = locked.attempt + 1;
    const githubContext = { ...locked.githubContext, run_attempt: attempt };
    const [run] = await tx
      .update(runs)
      .set({ attempt, status: "in_progress", conclusion: null, completedAt: null, githubContext })
      .where(eq(runs.id, runId))
      .returning();
    await tx
      .update(jobs)
      .set({ supersededAt: new Date() })
      .where(
        inArray(
          jobs.id,
          again.map((r) => r.id),
        ),
      );
    const rows = await tx
      .insert(jobs)
      .values(again.map((row) => freshCopy(row, attempt)))
      .returning();
    await tx
      .update(runStatuses)
      .set({ state: "pending", updatedAt: new Date() })
      .where(
        and(eq(runStatuses.runId, runId), inArray(runStatuses.namespace, [...new Set(again.map((r) => r.namespace))])),
      );
    return ok({ run: run!, rows });
  });
}

/** The chosen rows and every completed row that needs one of them, in its namespace, transitively. */
function withDependents(chosen: JobRow[], current: JobRow[]): JobRow[] {
  const picked = new Map(chosen.map((r) => [r.id, r]));
  let grew = true;
  while (grew) {
    grew = false;
    for (const row of current) {
      if (picked.has(row.id) || row.status !== "completed") continue;
      const needsPicked = [...picked.values()].some(
        (p) => p.namespace === row.namespace && row.needs.some((need) => coversJob(need, p.jobId)),
      );
      if (needsPicked) {
        picked.set(row.id, row);
        grew = true;
      }
    }
  }
  return [...picked.values()];
}

/** A need names a job, or a job that called a workflow (then every job inside that call). */
function coversJob(need: string, jobId: string): boolean {
  return jobId === need || jobId.startsWith(`${need}/`);
}

function freshCopy(row: JobRow, attempt: number): typeof jobs.$inferInsert {
  return {
    runId: row.runId,
    jobKey: row.jobKey,
    jobId: row.jobId,
    name: row.name,
    needs: row.needs,
    continueOnError: row.continueOnError,
    condition: row.condition,
    spec: row.spec ? { ...row.spec, runAttempt: attempt } : null,
    maxParallel: row.maxParallel,
    callOutputs: row.callOutputs,
    namespace: row.namespace,
    labels: row.labels,
    runAttempt: attempt,
    concurrencyGroup: row.concurrencyGroup,
    concurrencyCancel: row.concurrencyCancel,
  };
}

/**
 * A run with a workflow `concurrency` group takes its place in the group again: the attempt
 * waits (the reason returned) while another run holds it, and is released on the handover.
 */
async function enterRunGroupAgain(deps: RerunDeps, forge: Forge, run: RunRow): Promise<string | undefined> {
  if (!run.concurrencyGroup) return undefined;
  const key = runKey(run.repository, run.concurrencyGroup);
  const entry = await enterGroup(deps.db, key, run.id, false);
  // It replaced the run that was waiting: that one is cancelled, as a newer waiting run would.
  for (const id of entry.displaced) {
    const [other] = await deps.db.select().from(runs).where(eq(runs.id, id));
    if (!other) continue;
    const open = await deps.db
      .select()
      .from(jobs)
      .where(and(currentJobsOf(id), ne(jobs.status, "completed")));
    await cancelJobs({ ...deps, forge }, other, open, supersededReason(run.concurrencyGroup));
  }
  return entry.hold ? undefined : waitingReason(deps.db, key, entry.holder);
}

function listNames(rows: JobRow[]): string {
  return [...new Set(rows.map((r) => r.name))].join(", ");
}
