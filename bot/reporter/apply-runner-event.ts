/**
 * The reporter: what runners say becomes Postgres rows, check run updates and commit
 * statuses. A started job's check run gets a Cancel button, which its completion takes away.
 * The forge is written before Postgres, so a write that fails is retried with the message
 * instead of being forgotten; writing the same state twice is harmless.
 */
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { reportSubjectParts } from "../../protocol/names.ts";
import { decode, LogChunk, ProtocolError, RunnerEvent } from "../../protocol/messages.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import type { Bus } from "../bus/connect.ts";
import { repeatCancel } from "../scheduler/cancel-jobs.ts";
import { afterJobCompleted } from "../scheduler/job-finished.ts";
import type { NatsNames } from "../../protocol/names.ts";
import { PermanentError } from "../bus/consume-loop.ts";
import type { Forge } from "../forges/forge.ts";
import { repoRef } from "../runs/repo-ref.ts";
import { CANCEL_BUTTON, jobUrl, jobCheck } from "../runs/links.ts";
import { checkRunOutput } from "./check-run-output.ts";
import { summarizeIfRunCompleted } from "./failure-summary.ts";
import * as store from "./store-report.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";
import { type BotMetrics, observeJobTimes } from "../ops/metrics.ts";

export interface ReporterDeps {
  db: Db;
  bus: Bus;
  lease: LeaseSettings;
  names: NatsNames;
  forgeForRun: (run: RunRow) => Promise<Forge>;
  publicUrl: string;
  /** FAILURE_COMMENT: keep the failure summary comment on pull requests. */
  failureComment: boolean;
  /** Where job times, lost attempts and log bytes are counted (none in suites that do not look). */
  metrics?: BotMetrics;
  log: Logger;
}

/** The execution id a runner message is about: reports of one job are applied in order. */
export function executionOf(subject: string): string {
  return reportSubjectParts(subject).executionId;
}

export async function applyRunnerMessage(deps: ReporterDeps, subject: string, data: Uint8Array): Promise<void> {
  const isLog = subject.startsWith(`${deps.names.prefix}.logs.`);
  // The subject names the runner, and with per-runner credentials only that runner can publish on it.
  const { runnerId } = reportSubjectParts(subject);
  try {
    if (isLog) return await applyLogChunk(deps, decode(LogChunk, data, "log chunk"));
    return await applyEvent(deps, decode(RunnerEvent, data, "runner event"), runnerId);
  } catch (error) {
    if (error instanceof ProtocolError) throw new PermanentError(error.message, { cause: error });
    if (error instanceof store.UnknownJobError)
      throw new PermanentError(`report for unknown job on ${subject}`, { cause: error });
    throw error;
  }
}

async function applyLogChunk(deps: ReporterDeps, chunk: LogChunk): Promise<void> {
  // Stored only with the job's claim (see store.saveLogChunk).
  await store.saveLogChunk(deps.db, chunk);
  deps.metrics?.logBytes.inc(Buffer.byteLength(chunk.data));
}

/**
 * Why a report about `job` must not be applied, or undefined to apply it. Only the runner that
 * holds the job's current attempt speaks for it: the report must carry the published message's
 * claim, be of the current attempt or a newer one (an older attempt's runner came back too
 * late), come from the runner that started the current attempt, and not from a removed runner.
 */
function refuseReport(job: JobRow, event: RunnerEvent, runnerId: string, runnerRemoved: boolean): string | undefined {
  if (job.claim !== null && event.claim !== job.claim) return "it does not carry the job's claim";
  if (event.attempt < job.attempt) return `attempt ${event.attempt} is older than the current attempt ${job.attempt}`;
  if (event.attempt === job.attempt && job.runnerId !== null && job.runnerId !== runnerId)
    return `attempt ${event.attempt} is held by another runner`;
  if (runnerRemoved) return "the runner was removed";
  return undefined;
}

async function applyEvent(deps: ReporterDeps, event: RunnerEvent, runnerId: string): Promise<void> {
  if (event.type === "step") {
    await store.saveStep(deps.db, event.executionId, event.attempt, event.claim, {
      index: event.index,
      name: event.name,
      status: event.status,
      ...(event.conclusion ? { conclusion: event.conclusion } : {}),
      [event.status === "completed" ? "completedAt" : "startedAt"]: event.at,
    });
    return;
  }
  const found = await store.jobWithRun(deps.db, event.executionId, runnerId);
  if (!found) throw new PermanentError(`report for unknown job ${event.executionId}`);
  const { job, run } = found;
  const log = deps.log.child({ run: run.id, job: job.id, attempt: event.attempt });
  if (job.status === "completed") {
    // Cancelled before this runner got to it (fail-fast, concurrency): tell it to stop.
    if (event.type === "started" && job.conclusion === "cancelled") repeatCancel(deps.bus, job);
    if (
      event.type === "completed" &&
      event.attempt === job.attempt &&
      !refuseReport(job, event, runnerId, found.runnerRemoved)
    ) {
      // The report that completed it, delivered again: the last try failed after marking the job
      // completed (the database went away, say), so what follows may not have happened. It is idempotent.
      log.info("completion redelivered; finishing what follows it");
      const forge = await deps.forgeForRun(run);
      await afterJobCompleted(deps, forge, run, job, job.conclusion ?? event.conclusion, log);
      await summarizeIfRunCompleted(deps, forge, run, log);
      return;
    }
    log.debug({ type: event.type }, "job already completed; report ignored");
    return;
  }
  const refusal = refuseReport(job, event, runnerId, found.runnerRemoved);
  if (refusal) {
    log.warn(
      { type: event.type, runner: runnerId, current: job.attempt, holder: job.runnerId },
      `report refused: ${refusal}`,
    );
    return;
  }
  const repo = repoRef(run.repository);
  const at = new Date(event.at);

  if (event.type === "released") {
    await store.markReleased(deps.db, job.id, event.attempt);
    log.info({ reason: event.reason }, "attempt handed back by its runner");
    return;
  }

  if (event.type === "started") {
    if (job.status === "queued" && job.checkRunId !== null) {
      const forge = await deps.forgeForRun(run);
      // The queued check run said what it waited for (a runner, a concurrency group); that is over now (same write).
      const where = job.namespace === "default" ? "" : ` in namespace \`${job.namespace}\``;
      const waited = job.waitedFor ? ` Started after waiting for its concurrency group (${job.waitedFor}).` : "";
      const output = { title: "In progress", summary: `Running on \`${event.runner.name}\`${where}.${waited}` };
      await forge.updateCheck(repo, jobCheck(run, job, job.checkRunId, deps.publicUrl), {
        status: "in_progress",
        startedAt: event.at,
        output,
        actions: [CANCEL_BUTTON],
      });
    }
    const lost = await store.markStarted(deps.db, job, event.attempt, { id: runnerId, name: event.runner.name }, at);
    if (lost > 0) deps.metrics?.lostAttempts.inc({ namespace: job.namespace }, lost);
    return;
  }

  const forge = await deps.forgeForRun(run);
  if (job.checkRunId !== null) {
    const output = checkRunOutput({
      conclusion: event.conclusion,
      steps: event.steps,
      logTail: event.logTail,
      message: event.message,
      runnerName: job.runnerName,
      namespace: job.namespace,
      startedAt: job.startedAt,
      completedAt: at,
      logUrl: jobUrl(deps.publicUrl, job.id, run.accessToken),
      stepSummary: event.summary,
      annotations: event.annotations,
      workflowPath: run.workflowPath,
    });
    await forge.updateCheck(repo, jobCheck(run, job, job.checkRunId, deps.publicUrl), {
      status: "completed",
      conclusion: event.conclusion,
      completedAt: event.at,
      output,
      logTail: event.logTail,
      // GitHub keeps a check run's buttons after it completes: the Cancel button goes now.
      actions: [],
    });
  }
  await store.markCompleted(deps.db, job.id, {
    attempt: event.attempt,
    conclusion: event.conclusion,
    steps: event.steps,
    message: event.message,
    outputs: event.outputs,
    annotations: event.annotations,
    at,
  });
  observeJobTimes(deps.metrics, job, event.conclusion, at);
  log.info({ conclusion: event.conclusion }, "job completed");
  await afterJobCompleted(deps, forge, run, job, event.conclusion, log);
  await summarizeIfRunCompleted(deps, forge, run, log);
}
