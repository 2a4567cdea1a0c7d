/**
 * The jobs of one run in `needs` order, one at a time (predictable on a laptop, one log at
 * a time in the terminal), by the planner's rules (bot/scheduler/release-jobs.ts): a job
 * starts when every leg of what it needs has finished, and its `if` (implicitly
 * `success()`) decides whether it runs or is skipped. `needs.<id>.result` and `.outputs`
 * are passed on as the bot passes them.
 */
import { ConditionError, foldResults, shouldRun } from "../../bot/scheduler/job-condition.ts";
import type { PlannedJob } from "../../bot/workflows/workflow.ts";
import type { JobMessage } from "../../protocol/messages.ts";
import type { LocalJobResult } from "./run-local-job.ts";

export interface GraphJob {
  planned: PlannedJob;
  message: JobMessage;
}

export interface JobReport extends LocalJobResult {
  key: string;
  jobId: string;
}

export interface GraphOptions {
  github: Record<string, unknown>;
  inputs: Record<string, unknown>;
  vars: Record<string, string>;
  /** Ctrl-C: jobs not started yet end as cancelled. */
  cancelled: AbortSignal;
  runJob(message: JobMessage): Promise<LocalJobResult>;
  write(line: string): void;
}

type Needs = JobMessage["contexts"]["needs"];

export async function runGraph(jobs: GraphJob[], options: GraphOptions): Promise<JobReport[]> {
  const reports: JobReport[] = [];
  const pending = [...jobs];
  while (pending.length > 0) {
    // checkNeeds refused cycles and unknown ids, so some job is always ready.
    const index = pending.findIndex((job) => needsOf(job, jobs, reports) !== undefined);
    if (index < 0) break;
    const [job] = pending.splice(index, 1);
    const needs = needsOf(job!, jobs, reports)!;
    reports.push(await settle(job!, needs, reports, options));
  }
  return reports;
}

async function settle(
  { planned, message }: GraphJob,
  needs: Needs,
  reports: JobReport[],
  options: GraphOptions,
): Promise<JobReport> {
  const base = { key: planned.key, jobId: planned.jobId, durationMs: 0, outputs: {}, annotations: [], summary: "" };
  const without = (conclusion: JobReport["conclusion"], why: string): JobReport => {
    options.write(`[${planned.key}] ${conclusion === "skipped" ? "○" : "✗"} ${why}`);
    return { ...base, conclusion, message: why };
  };
  if (options.cancelled.aborted) return without("cancelled", "cancelled by Ctrl-C before it started");
  const failedSibling = reports.some(
    (r) => r.jobId === planned.jobId && (r.conclusion === "failure" || r.conclusion === "timed_out"),
  );
  if (failedSibling && planned.strategy?.["fail-fast"])
    return without("cancelled", `cancelled: another leg of ${planned.jobId} failed (fail-fast)`);
  let run: boolean;
  try {
    run = shouldRun(planned.job.if, {
      github: options.github,
      vars: options.vars,
      inputs: options.inputs,
      needs,
      matrix: planned.matrix,
      strategy: planned.strategy,
    });
  } catch (error) {
    if (!(error instanceof ConditionError)) throw error;
    return without("failure", error.message);
  }
  if (!run) return without("skipped", `skipped: \`if: ${planned.job.if}\` was false`);
  const result = await options.runJob({ ...message, contexts: { ...message.contexts, needs } });
  return { ...base, ...result };
}

/** The `needs` context once every leg of every needed job has a report; undefined until then. */
function needsOf({ planned }: GraphJob, jobs: GraphJob[], reports: JobReport[]): Needs | undefined {
  const needs: Needs = {};
  for (const jobId of planned.job.needs) {
    const total = jobs.filter((job) => job.planned.jobId === jobId).length;
    const legs = reports.filter((report) => report.jobId === jobId);
    if (legs.length < total) return undefined;
    const continueOnError = jobs.find((job) => job.planned.jobId === jobId)?.planned.job.continueOnError ?? false;
    needs[jobId] = {
      result: foldResults(legs.map((leg) => ({ conclusion: leg.conclusion, continueOnError }))),
      outputs: Object.assign({}, ...legs.map((leg) => leg.outputs)),
    };
  }
  return needs;
}
