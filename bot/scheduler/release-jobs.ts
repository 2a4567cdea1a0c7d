/**
 * Releasing jobs: a job is published once everything it `needs` has finished in its
 * namespace and its `if` says run (else it is completed as skipped), a matrix leg only
 * while fewer than `max-parallel` of its siblings are running, and a job with
 * `concurrency` only while it holds its group. A run waiting for its workflow's group
 * releases nothing. The planner calls this for a new run, the reporter after every completed
 * job; each pass ends by handing the groups its completed jobs (or the completed run) held to
 * whoever waits for them, and releasing those. Safe to run concurrently: a job is claimed by
 * setting `published_at` where it is still empty, groups change with their row locked.
 *
 * A job counts as published only once JetStream acked its message (`stream_seq` is set). A
 * job claimed but never acked — the bus was down, the bot died between claim and ack — is
 * published again by the next pass (the plan's or a completion's redelivery), with the same
 * claim and `Nats-Msg-Id`, so a publish that did land is not doubled.
 */
import { jobCheck } from "../runs/links.ts";
import { randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { jobs, runs } from "../../db/schema.ts";
import { encode, forgeContexts, type JobMessage } from "../../protocol/messages.ts";
import { labelsetToken } from "../../protocol/labels.ts";
import { ensureJobConsumer } from "../../protocol/setup.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import type { Bus } from "../bus/connect.ts";
import type { Forge } from "../forges/forge.ts";
import { repoRef } from "../runs/repo-ref.ts";
import { cancelJobs } from "./cancel-jobs.ts";
import { settleNamespace } from "./settle.ts";
import { cloneTokenForSpec } from "./clone-token.ts";
import {
  enterGroup,
  groupsHeldByCompleted,
  handOverGroup,
  holdsRunGroup,
  jobKey,
  runKey,
  supersededReason,
  waitingReason,
} from "./concurrency-groups.ts";
import { ConditionError, shouldRun } from "./job-condition.ts";
import { decideAtRelease, type Unrunnable } from "./release-fields.ts";
import { needsContext } from "./needs-context.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";
import { currentJobsOf } from "../runs/current-jobs.ts";

export interface ReleaseDeps {
  db: Db;
  bus: Bus;
  lease: LeaseSettings;
  log: Logger;
  /** For the commit statuses of runs released or cancelled on another run's behalf (concurrency). */
  publicUrl: string;
}

export interface ReleaseHooks {
  forge: Forge;
  /** The clone token for a job released now (`spec`: the job's, for runs released later). */
  cloneToken: (spec?: JobMessage) => Promise<string | undefined>;
  /** A job completed without running (skipped, or its `if` broke): settle the run's status. */
  onCompleted: (row: JobRow) => Promise<void>;
}

export async function releaseReadyJobs(deps: ReleaseDeps, run: RunRow, hooks: ReleaseHooks): Promise<void> {
  const rows = (await holdsRunGroup(deps.db, run))
    ? await releasePasses(deps, run, hooks)
    : await deps.db.select().from(jobs).where(currentJobsOf(run.id));
  await handOver(deps, run, rows, hooks.forge);
}

/** Releases another run (one that waited for a group) with the hooks any run of that repository can use. */
export async function releaseRun(deps: ReleaseDeps, run: RunRow, forge: Forge): Promise<void> {
  await releaseReadyJobs(deps, run, {
    forge,
    cloneToken: async (spec) => (spec ? cloneTokenForSpec(forge, spec) : undefined),
    onCompleted: (row) => settleNamespace(deps.db, forge, run, row.namespace, deps.publicUrl, deps.bus),
  });
}

/** The release passes; returns the run's rows as the last pass saw them. */
async function releasePasses(deps: ReleaseDeps, run: RunRow, hooks: ReleaseHooks): Promise<JobRow[]> {
  // Skipping a job can make its dependents ready (to be skipped too): go round until quiet.
  let rows: JobRow[] = [];
  for (let round = 0; round < 1000; round++) {
    rows = await deps.db.select().from(jobs).where(currentJobsOf(run.id));
    const displaced: { ids: string[]; group: string }[] = [];
    const batches = new Map<string, { row: JobRow; needs: JobMessage["contexts"]["needs"] }[]>();
    let settledOne = false;
    for (const row of rows) {
      if (!releasable(row)) continue;
      const owed = row.publishedAt !== null;
      const needs = needsOf(row, rows);
      if (!needs || atParallelLimit(row, rows)) continue;
      let run_ = true;
      let broken: Unrunnable | undefined;
      const contexts = {
        // What the run's forge adds (`gitlab`), kept in the job's spec.
        ...forgeContexts(row.spec?.contexts ?? {}),
        github: run.githubContext,
        vars: {},
        // A called workflow's jobs see the call's `with:`; the others the dispatch's inputs.
        inputs:
          row.spec?.contexts?.inputs ??
          (run.githubContext.event as { inputs?: Record<string, unknown> } | undefined)?.inputs ??
          {},
        needs,
        matrix: row.spec?.contexts?.matrix ?? null,
        strategy: row.spec?.contexts?.strategy ?? null,
      };
      try {
        run_ = shouldRun(row.condition, contexts);
      } catch (error) {
        if (!(error instanceof ConditionError)) throw error;
        broken = { title: "The job's condition could not be evaluated", summary: error.message };
      }
      // A job that is to run: refused, or its fields that read `needs` decided now.
      if (broken === undefined && run_) broken = await decideAtRelease(deps.db, row, contexts);
      if (broken === undefined && run_ && row.concurrencyGroup !== null) {
        const key = jobKey(run.repository, row.namespace, row.concurrencyGroup);
        const entry = await enterGroup(deps.db, key, row.id, row.concurrencyCancel);
        if (entry.displaced.length > 0) displaced.push({ ids: entry.displaced, group: row.concurrencyGroup });
        if (entry.promoted !== null) await releaseJobOf(deps, entry.promoted, hooks.forge);
        if (!entry.hold) {
          if (row.waitedFor === null) {
            const reason = await waitingReason(deps.db, key, entry.holder);
            await deps.db.update(jobs).set({ waitedFor: reason }).where(eq(jobs.id, row.id));
            row.waitedFor = reason;
          }
          continue;
        }
      }
      if (!owed && !(await claim(deps.db, row))) continue;
      // A runner already reporting on it got the message: only its ack was lost (see reportedOn).
      if (owed && (await reportedOn(deps.bus, row.id))) continue;
      // Later rows of this pass count it against max-parallel.
      row.publishedAt ??= new Date();
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
    for (const { ids, group } of displaced) {
      // Cancelling a job of this run can make its dependents ready (to be skipped): go round again.
      if (await cancelDisplaced(deps, run, ids, group, hooks.forge)) settledOne = true;
    }
    if (!settledOne) return rows;
  }
  return rows;
}

/**
 * Jobs a newcomer to their group replaced (the one waiting) or, with cancel-in-progress,
 * cancelled (the one running). Other runs are released again (their dependents, their groups);
 * true when some job of `run` was cancelled.
 */
async function cancelDisplaced(
  deps: ReleaseDeps,
  run: RunRow,
  ids: string[],
  group: string,
  forge: Forge,
): Promise<boolean> {
  let own = false;
  for (const id of ids) {
    const [found] = await deps.db
      .select({ job: jobs, run: runs })
      .from(jobs)
      .innerJoin(runs, eq(jobs.runId, runs.id))
      .where(eq(jobs.id, id));
    if (!found) continue;
    const cancelled = await cancelJobs(
      { db: deps.db, bus: deps.bus, forge, publicUrl: deps.publicUrl, log: deps.log },
      found.run,
      [found.job],
      supersededReason(group),
    );
    if (found.run.id === run.id) own ||= cancelled > 0;
    else if (cancelled > 0) await releaseRun(deps, found.run, forge);
  }
  return own;
}

/**
 * After a pass: groups held by jobs of the run that completed, and the run's own group once
 * the run completed, go to whoever waits for them, and those are released. Completions are the
 * only trigger: nothing waits on a timer.
 */
async function handOver(deps: ReleaseDeps, run: RunRow, rows: JobRow[], forge: Forge): Promise<void> {
  for (const key of await groupsHeldByCompleted(deps.db, rows)) {
    const next = await handOverGroup(deps.db, key);
    if (next !== null) await releaseJobOf(deps, next, forge);
  }
  if (!run.concurrencyGroup) return;
  const [now] = await deps.db.select({ status: runs.status }).from(runs).where(eq(runs.id, run.id));
  if (now?.status !== "completed") return;
  const next = await handOverGroup(deps.db, runKey(run.repository, run.concurrencyGroup));
  if (next === null) return;
  const [waiter] = await deps.db.select().from(runs).where(eq(runs.id, next));
  if (!waiter) return;
  // A run still being planned (check runs not all created) is released by its planner.
  const planned = await deps.db.select({ checkRunId: jobs.checkRunId }).from(jobs).where(currentJobsOf(next));
  if (planned.length === 0 || planned.some((r) => r.checkRunId === null)) return;
  deps.log.info({ run: next, group: run.concurrencyGroup, after: run.id }, "run released from its concurrency group");
  await releaseRun(deps, waiter, forge);
}

/** Releases the run of a job that now holds its group (same repository: the same forge serves it). */
async function releaseJobOf(deps: ReleaseDeps, jobId: string, forge: Forge): Promise<void> {
  const [found] = await deps.db
    .select({ run: runs })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(eq(jobs.id, jobId));
  if (found) await releaseRun(deps, found.run, forge);
}

/** The `needs` context when every needed job has finished in this namespace; undefined until then. */
function needsOf(row: JobRow, rows: JobRow[]): JobMessage["contexts"]["needs"] | undefined {
  // Needs on a job that called a reusable workflow fold its jobs into one entry (needs-context.ts).
  return needsContext(row, rows);
}

/**
 * Whether some runner has reported on the job: then its message did land, whatever the publish
 * said. Asked before publishing a claimed job again, because the stream's duplicate window does
 * not outlive a nats-server restart for a message already acked (and so deleted): without this, a
 * job whose publish ack was lost in the restart could be published, and run, twice.
 */
async function reportedOn(bus: Bus, jobId: string): Promise<boolean> {
  const last = await bus.jsm.streams.getMessage(bus.names.runnerStream, {
    last_by_subj: bus.names.statusSubject("*", jobId),
  });
  return Boolean(last);
}

/** Queued and either never claimed, or claimed but its message never acked by JetStream. */
function releasable(row: JobRow): boolean {
  return row.status === "queued" && row.spec !== null && (row.publishedAt === null || row.streamSeq === null);
}

function atParallelLimit(row: JobRow, rows: JobRow[]): boolean {
  if (!row.maxParallel) return false;
  const running = rows.filter(
    (r) =>
      r.id !== row.id &&
      r.namespace === row.namespace &&
      r.jobId === row.jobId &&
      r.publishedAt !== null &&
      r.status !== "completed",
  );
  return running.length >= row.maxParallel;
}

/** Takes the job for publishing, and gives it the claim its message will carry (one write). */
async function claim(db: Db, row: JobRow): Promise<boolean> {
  const value = newClaim();
  const claimed = await db
    .update(jobs)
    .set({ publishedAt: new Date(), claim: value, attemptBase: 0 })
    .where(and(eq(jobs.id, row.id), isNull(jobs.publishedAt)))
    .returning({ id: jobs.id });
  if (claimed.length === 0) return false;
  row.claim = value;
  row.attemptBase = 0;
  return true;
}

function newClaim(): string {
  return randomBytes(18).toString("base64url");
}

/** Completes a job that will not run: skipped (its `if` said so), or failed saying why it cannot run. */
async function completeWithoutRunning(
  deps: ReleaseDeps,
  run: RunRow,
  row: JobRow,
  hooks: ReleaseHooks,
  broken: Unrunnable | undefined,
) {
  const conclusion = broken ? "failure" : "skipped";
  if (row.checkRunId !== null) {
    await hooks.forge.updateCheck(repoRef(run.repository), jobCheck(run, row, row.checkRunId, deps.publicUrl), {
      status: "completed",
      conclusion,
      completedAt: new Date().toISOString(),
      output: broken ?? {
        title: "Skipped: its `needs` or `if` said not to run",
        summary: `\`if: ${row.condition}\` was false given the results of ${row.needs.map((n) => `\`${n}\``).join(", ") || "this run"}.`,
      },
    });
  }
  const [done] = await deps.db
    .update(jobs)
    .set({ status: "completed", conclusion, message: broken?.summary ?? null, completedAt: new Date() })
    .where(eq(jobs.id, row.id))
    .returning();
  if (done) await hooks.onCompleted(done);
}

async function publish(
  deps: ReleaseDeps,
  run: RunRow,
  batch: { row: JobRow; needs: JobMessage["contexts"]["needs"] }[],
  hooks: ReleaseHooks,
) {
  const first = batch[0]!;
  const token = await hooks.cloneToken(first.row.spec ?? undefined);
  // One message per namespace: each namespace has its own stream, and its own claim.
  await Promise.all(batch.map(({ row, needs }) => publishJob(deps, run, row, needs, token)));
  deps.log.debug(
    { run: run.id, job: first.row.jobKey, namespaces: batch.map(({ row }) => row.namespace) },
    "job released",
  );
}

/**
 * Publishes one job for its namespace, with a fresh claim kept in its row. Also used to publish
 * a job again after its deliveries ran out with attempts left (`attemptBase`: attempts so far).
 */
export async function publishJob(
  deps: Pick<ReleaseDeps, "db" | "bus" | "lease">,
  run: RunRow,
  row: JobRow,
  needs: JobMessage["contexts"]["needs"],
  token: string | undefined,
  attemptBase = 0,
): Promise<void> {
  const spec = row.spec;
  if (!spec) throw new Error(`job ${row.id} has no spec to publish`);
  // Consumer first: the namespace's jobs stream keeps a message only for consumers that exist.
  const { lease } = await ensureJobConsumer(
    deps.bus.jsm,
    deps.bus.labelsets,
    deps.bus.names,
    row.namespace,
    row.labels,
    deps.lease,
    deps.bus.limits,
  );
  // The same publish retried keeps its claim: the stream's dedupe keeps the first message.
  const fresh = !(row.claim && row.attemptBase === attemptBase);
  const claim = fresh ? newClaim() : row.claim!;
  // What only the bot keeps (secretChain, refusal, deferred) does not travel.
  const { secretChain: _chain, refusal: _refusal, deferred: _deferred, ...sent } = spec;
  const message: JobMessage = {
    ...sent,
    executions: { [row.namespace]: row.id },
    claim,
    attemptBase,
    lease,
    checkout: { ...spec.checkout, ...(token ? { token } : {}) },
    contexts: { ...spec.contexts, github: run.githubContext, needs },
  };
  // The claim is stored before the publish: a runner's first report may arrive before the ack.
  if (fresh) await deps.db.update(jobs).set({ claim, attemptBase }).where(eq(jobs.id, row.id));
  const ack = await deps.bus.js.publish(
    deps.bus.names.jobsSubject(row.namespace, labelsetToken(row.labels)),
    encode(message),
    {
      msgID: `${row.id}:${attemptBase}`,
    },
  );
  await deps.db.update(jobs).set({ streamSeq: ack.seq }).where(eq(jobs.id, row.id));
}
