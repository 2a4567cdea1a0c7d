/**
 * One job on this machine, through the runner's own step machinery (`runJobSteps`): the same
 * checkout-then-steps order, expressions, step files, workflow commands and process groups
 * as on a runner — only the source (the working tree) and the reports (the terminal) differ.
 */
import type { Logger } from "pino";
import type { Conclusion, JobMessage, RunnerAnnotation } from "../../protocol/messages.ts";
import {
  jobAbort,
  jobEndLine,
  prepareJobDirs,
  removeJobDirs,
  runJobSteps,
  type JobResult,
  type SourceCheckout,
  type StepExecutor,
} from "../../runner/index.ts";
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
  const { jobLog, reporter } = terminalJob(job.jobKey, deps.write, deps.logger);
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
  return {
    conclusion: result.conclusion,
    durationMs: Date.now() - started,
    ...(result.message ? { message: result.message } : {}),
    outputs: result.outputs ?? {},
    annotations: result.annotations ?? [],
    summary: result.summary ?? "",
  };
}
