/**
 * The body of a job: checkout, then the steps in order, with their reports and log lines.
 * Knows nothing of leases or acks (run-job.ts settles the message).
 */
import type { Logger } from "pino";
import type { Conclusion, JobMessage, StepResult } from "../protocol/messages.ts";
import { cancelReason, type CancelReason } from "./cancel.ts";
import type { SourceCheckout } from "./checkout.ts";
import type { StepExecutor } from "./executor.ts";
import type { LogStreamer } from "./log-streamer.ts";
import type { JobReporter } from "./reports.ts";
import { stepEnv } from "./step-env.ts";
import type { JobDirs } from "./workspace.ts";

export interface JobStepsContext {
  job: JobMessage;
  runnerName: string;
  dirs: JobDirs;
  checkout: SourceCheckout;
  executor: StepExecutor;
  log: LogStreamer;
  reporter: JobReporter;
  /** Aborted with a CancelReason: /cancel, the job's timeout, or the runner stopping. */
  signal: AbortSignal;
  logger: Logger;
}

export interface JobResult {
  conclusion: Conclusion;
  steps: StepResult[];
  message?: string;
  /** Set when the job was stopped from outside rather than ending by itself. */
  cancel?: CancelReason;
}

export async function runJobSteps(context: JobStepsContext): Promise<JobResult> {
  const { job, log, reporter, signal } = context;
  const steps: StepResult[] = [];
  let conclusion: Conclusion = "success";
  let message: string | undefined;

  log.line(`▶ Checkout ${job.repository.fullName}@${job.checkout.sha}`);
  try {
    await context.checkout.checkout(
      { cloneUrl: job.checkout.cloneUrl, sha: job.checkout.sha, token: job.checkout.token, dir: context.dirs.workspace },
      { log: (line) => log.line(line), signal },
    );
  } catch (error) {
    const cancel = cancelReason(signal);
    conclusion = cancel ? conclusionOf(cancel) : "failure";
    message = cancel?.message ?? `checkout failed: ${error instanceof Error ? error.message : String(error)}`;
    log.line(message);
  }

  for (const [index, step] of job.steps.entries()) {
    const stop = cancelReason(signal);
    if (conclusion !== "success" || stop) {
      if (stop && conclusion === "success") ({ conclusion, message } = { conclusion: conclusionOf(stop), message: stop.message });
      const at = new Date().toISOString();
      steps.push({ index, name: step.name, conclusion: "skipped", startedAt: at, completedAt: at });
      await reporter.step(index, step.name, "completed", "skipped");
      continue;
    }
    const logger = context.logger.child({ step: index });
    await reporter.step(index, step.name, "in_progress");
    if (step.run === undefined) {
      // Actions arrive with the workflow-syntax work; the bot refuses them before they get here.
      log.line(`▶ ${step.name}`);
      log.line(`Flotilla cannot run \`uses: ${step.uses ?? "?"}\` yet`);
      const at = new Date().toISOString();
      conclusion = "failure";
      steps.push({ index, name: step.name, conclusion: "failure", startedAt: at, completedAt: at });
      await reporter.step(index, step.name, "completed", "failure");
      continue;
    }
    log.line(`▶ ${step.name}`);
    const outcome = await context.executor.run({
      script: step.run,
      shell: step.shell,
      cwd: step.workingDirectory ? resolveInside(context.dirs.workspace, step.workingDirectory) : context.dirs.workspace,
      env: stepEnv({ job, runnerName: context.runnerName, workspace: context.dirs.workspace, temp: context.dirs.temp, home: context.dirs.home }, step),
      scriptDir: context.dirs.temp,
      timeoutMs: step.timeoutMinutes === undefined ? undefined : step.timeoutMinutes * 60_000,
      signal,
      onLine: (line) => log.line(line),
    });
    logger.info({ conclusion: outcome.conclusion, exitCode: outcome.exitCode, durationMs: outcome.durationMs }, "step finished");
    if (outcome.message) log.line(`${step.name}: ${outcome.message}`);
    steps.push({ index, name: step.name, conclusion: outcome.conclusion, startedAt: outcome.startedAt.toISOString(), completedAt: outcome.completedAt.toISOString() });
    await reporter.step(index, step.name, "completed", outcome.conclusion);
    const forgiven = step.continueOnError && !outcome.cancel && outcome.conclusion !== "success";
    if (forgiven) log.line(`${step.name}: continuing (continue-on-error)`);
    if (outcome.conclusion !== "success" && !forgiven) {
      conclusion = outcome.conclusion;
      message = outcome.cancel ? outcome.cancel.message : `step "${step.name}": ${outcome.message ?? "failed"}`;
    }
  }
  return { conclusion, steps, message, cancel: cancelReason(signal) };
}

function conclusionOf(reason: CancelReason): Conclusion {
  return reason.kind === "timed_out" ? "timed_out" : "cancelled";
}

/** `working-directory` is relative to the workspace, as in GitHub Actions; absolute paths are kept. */
function resolveInside(workspace: string, dir: string): string {
  return dir.startsWith("/") ? dir : `${workspace}/${dir}`;
}
