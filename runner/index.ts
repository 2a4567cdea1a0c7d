/**
 * The runner's public face, and the only way cli/ reaches into runner/: starting a runner
 * (`flotilla runner start`, `flotilla dev`), registering one and its config file, and the parts
 * `flotilla run` puts together to run a job's steps on this machine — with the seams it plugs
 * its own terminal log and working-tree checkout into.
 */
export { startRunner, RUNNER_VERSION, type RunningRunner } from "./main.ts";
export { readRunnerConfig, type RunnerConfigInput } from "./config.ts";
export {
  configFileOptions,
  defaultConfigPath,
  readConfigFile,
  RunnerConfigFile,
  writeConfigFile,
} from "./config-file.ts";
export { register } from "./registration.ts";

export { runJobSteps, type JobResult } from "./job/job-steps.ts";
export { jobAbort, jobEndLine } from "./job/job-abort.ts";
export { processExecutor, type StepExecutor } from "./step/executor.ts";
export { prepareJobDirs, removeJobDirs } from "./step/workspace.ts";
export { CheckoutError, type SourceCheckout } from "./source/checkout.ts";
export { createLogStreamer, type LogStreamer } from "./report/log-streamer.ts";
export { sharedActionsDir } from "./actions/load-action.ts";
export type { JobReporter } from "./report/reports.ts";
