/**
 * One job on this machine, through the runner's own step machinery (`runJobSteps`): the same
 * checkout-then-steps order, expressions, step files, workflow commands and process groups
 * as on a runner — only the source (the working tree) and the reports (the terminal) differ.
 */
import type { Logger } from "pino";
import type { Conclusion, JobMessage, RunnerAnnotation } from "../../protocol/messages.ts";
import type { ObjectStoreAccess } from "../../protocol/object-stores.ts";
import {
  jobAbort,
  jobEndLine,
  prepareJobDirs,
  removeJobDirs,
  runJobSteps,
  type JobResult,
  type SourceCheckout,
  type StepExecutor,
} from "../../runner/local-job.ts";
import { terminalJob } from "./terminal-job.ts";

export interface LocalJobDeps {
  /** A scratch directory; each job gets its own tree under it. */
  workDir: string;
  checkout: SourceCheckout;
  executor: StepExecutor;
  /** Ctrl-C: cancels the running step; `always()` steps still run. */
  cancel: AbortSignal;
  /** A second Ctrl-C: ends the cleanup steps too. */
  stopping: AbortSignal;
  write(line: string): void;
  logger: Logger;
  keepWorkspace: boolean;
  /** The artifact and cache directories under `.flotilla/`. */
  stores: ObjectStoreAccess;
  /** FLOTILLA_ACTIONS_URL, as a runner reads it. */
  actionsUrl?: string;
}

export interface LocalJobResult {
  conclusion: Conclusion;
  durationMs: number;
  message?: string;
  outputs: Record<string, string>;
  annotations: RunnerAnnotation[];
  summary: string;
}

export async function runLocalJob(deps: LocalJobDeps, job: JobMessage, index: number): Promise<LocalJobResult> {
  const started = Date.now();
  const secrets = Object.values(job.contexts.secrets);
  const { jobLog, reporter } = terminalJob(job.jobKey, deps.write, deps.logger, secrets);
  // As a runner says it when the bot has no value for a name the job reads.
  const missing = job.secretNames.filter((name) => name !== "*" && !(name in job.contexts.secrets));
  if (missing.length > 0) jobLog.line(`Secrets with no value for this job (empty): ${missing.join(", ")}`);
  // Ctrl-C, and the job's timeout-minutes as a runner enforces it.
  const abort = jobAbort(job.timeoutMinutes, {
    signal: deps.cancel,
    reason: { kind: "cancelled", message: "cancelled by Ctrl-C" },
  });
  const dirs = await prepareJobDirs(deps.workDir, `${index}-${job.jobKey}`);
  let result: JobResult;
  try {
    result = await runJobSteps({
      job,
      runnerName: "local",
      dirs,
      checkout: deps.checkout,
      executor: deps.executor,
      jobLog,
      reporter,
      signal: abort.signal,
      stopping: deps.stopping,
      logger: deps.logger,
      stores: deps.stores,
      ...(deps.actionsUrl ? { actionsUrl: deps.actionsUrl } : {}),
    });
  } catch (error) {
    result = {
      conclusion: "failure",
      steps: [],
      message: `flotilla error: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    abort.dispose();
  }
  jobLog.line(jobEndLine(result));
  await jobLog.close();
  if (deps.keepWorkspace) deps.write(`[${job.jobKey}] workspace kept at ${dirs.workspace}`);
  else await removeJobDirs(dirs).catch(() => undefined);
  // The summary table prints these after the log: masked as the log is, as a runner masks its report.
  const mask = (text: string): string => jobLog.mask(text);
  return {
    conclusion: result.conclusion,
    durationMs: Date.now() - started,
    ...(result.message ? { message: mask(result.message) } : {}),
    outputs: result.outputs ?? {},
    annotations: (result.annotations ?? []).map((a) => ({
      ...a,
      message: mask(a.message),
      ...(a.title ? { title: mask(a.title) } : {}),
    })),
    summary: mask(result.summary ?? ""),
  };
}
