/** The runner's public face, for the CLI (`flotilla runner start`) and the end-to-end suites. */
export { startRunner, RunnerStartError, RUNNER_VERSION, type RunningRunner, type StartRunnerOptions } from "./main.ts";
export { readRunnerConfig, RunnerConfig, RunnerConfigError, type RunnerConfigInput } from "./config.ts";
export type { AgentStats } from "./agent.ts";
export type { JobSource, ClaimedJob } from "./queue/job-source.ts";
export type { StepExecutor, StepRequest, StepOutcome } from "./step/executor.ts";
export type { SourceCheckout, CheckoutRequest, CheckoutOptions } from "./source/checkout.ts";
export type { CancelReason, CancelKind } from "./step/cancel.ts";
export { runJobSteps, type JobResult } from "./job/job-steps.ts";
export type { JobStepsContext } from "./job/job-context.ts";
export { hashFiles } from "./expressions/hash-files.ts";
