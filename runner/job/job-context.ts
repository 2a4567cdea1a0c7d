/**
 * What the parts of a job's body share (job-steps.ts runs them: job-prepare, pre-steps,
 * step-turn, post-steps): the job, where it runs, what runs its steps and where its log and
 * reports go, and the signals that stop it.
 */
import type { Logger } from "pino";
import type { JobMessage } from "../../protocol/messages.ts";
import type { ObjectStoreAccess } from "../../protocol/object-stores.ts";
import type { LogStreamer } from "../report/log-streamer.ts";
import type { JobReporter } from "../report/reports.ts";
import type { SourceCheckout } from "../source/checkout.ts";
import type { StepExecutor } from "../step/executor.ts";
import type { JobDirs } from "../step/workspace.ts";

export interface JobStepsContext {
  job: JobMessage;
  runnerName: string;
  dirs: JobDirs;
  checkout: SourceCheckout;
  executor: StepExecutor;
  jobLog: LogStreamer;
  reporter: JobReporter;
  /** Aborted with a CancelReason: /cancel, the job's timeout, or the runner stopping. */
  signal: AbortSignal;
  /** The runner stopping alone: it also ends the cleanup steps that run after a cancel. */
  stopping?: AbortSignal;
  logger: Logger;
  /** The artifact and cache stores, when the job runs on a runner connected to NATS. */
  stores?: ObjectStoreAccess;
  /** The runner's `actionsUrl`: where remote actions are fetched from instead of the job's forge. */
  actionsUrl?: string;
}
