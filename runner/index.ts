/**
 * The runner's public face, and the only way cli/ reaches into runner/: starting a runner
 * (`flotilla runner start`, `flotilla dev`), registering one and its config file, and the parts
 * `flotilla run` puts together to run a job's steps on this machine — with the seams it plugs
 * its own terminal log and working-tree checkout into.
 */
export { startRunner, RunnerStartError, RUNNER_VERSION, type RunningRunner, type StartRunnerOptions } from "./main.ts";
export type { AgentStats } from "./agent.ts";
export { readRunnerConfig, RunnerConfig, RunnerConfigError, type RunnerConfigInput } from "./config.ts";
export {
  configFileOptions,
  ConfigFileError,
  defaultConfigPath,
  readConfigFile,
  RunnerConfigFile,
  writeConfigFile,
} from "./config-file.ts";
export { register, RegistrationFailed, type RegisterOptions } from "./registration.ts";

export { runJobSteps, type JobResult } from "./job/job-steps.ts";
export type { JobStepsContext } from "./job/job-context.ts";
export { processExecutor, type StepExecutor, type StepOutcome, type StepRequest } from "./step/executor.ts";
export type { CancelKind, CancelReason } from "./step/cancel.ts";
export { prepareJobDirs, removeJobDirs, type JobDirs } from "./step/workspace.ts";
export { CheckoutError, type CheckoutOptions, type CheckoutRequest, type SourceCheckout } from "./source/checkout.ts";
export { createLogStreamer, type LogStreamer } from "./report/log-streamer.ts";
export type { JobReporter } from "./report/reports.ts";
