/**
 * One job on this machine, through the runner's own step machinery (`runJobSteps`): the same
 * checkout-then-steps order, expressions, step files, workflow commands and process groups
 * as on a runner — only the source (the working tree) and the reports (the terminal) differ.
 */
import type { Logger } from "pino";
import type { Conclusion, JobMessage, RunnerAnnotation } from "../../protocol/messages.ts";
import {
  prepareJobDirs,
  removeJobDirs,
  runJobSteps,
  type CancelReason,
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
  const abort = new AbortController();
  const cancel = (reason: CancelReason): void => {
    if (!abort.signal.aborted) abort.abort(reason);
  };
  const onCancel = (): void => cancel({ kind: "cancelled", message: "cancelled by Ctrl-C" });
  deps.cancel.addEventListener("abort", onCancel, { once: true });
  if (deps.cancel.aborted) onCancel();
  // The job's timeout-minutes, as run-job.ts enforces it on a runner.
  const deadline = setTimeout(
    () => cancel({ kind: "timed_out", message: `the job timed out after ${job.timeoutMinutes} minutes` }),
    Math.min(job.timeoutMinutes * 60_000, 2 ** 31 - 1),
  );
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
    clearTimeout(deadline);
    deps.cancel.removeEventListener("abort", onCancel);
  }
  jobLog.line(
    result.conclusion === "success"
      ? "Job succeeded"
      : `Job ${result.conclusion}${result.message ? `: ${result.message}` : ""}`,
  );
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
