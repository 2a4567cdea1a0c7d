/**
 * The runner's second public face: the parts `flotilla run` puts together to run a job's steps
 * on this machine — with the seams it plugs its own terminal log and working-tree checkout
 * into. Kept apart from index.ts so that `flotilla runner start`, which imports index.ts, does
 * not load the job machinery (steps, actions, expressions, execa) before its first job.
 */
export { runJobSteps, type JobResult } from "./job/job-steps.ts";
export { jobAbort, jobEndLine } from "./job/job-abort.ts";
export { processExecutor, type StepExecutor } from "./step/executor.ts";
export { prepareJobDirs, removeJobDirs } from "./step/workspace.ts";
export { CheckoutError, type SourceCheckout } from "./source/checkout.ts";
export { createLogStreamer, type LogStreamer } from "./report/log-streamer.ts";
export { sharedActionsDir } from "./actions/load-action.ts";
export type { JobReporter } from "./report/reports.ts";
