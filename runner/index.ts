/**
 * The runner's public face, and the only way cli/ reaches into runner/: starting a runner
 * (`flotilla runner start`, `flotilla dev`), registering one and its config file. What
 * `flotilla run` needs to run a job's steps here is local-job.ts, so that starting a runner does
 * not load it.
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
