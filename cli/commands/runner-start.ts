/**
 * `flotilla runner start`: one runner, dialling NATS; it needs no inbound port.
 */
import type { Logger } from "pino";
import { readRunnerConfig, type RunnerConfigInput } from "../../runner/config.ts";
import { startRunner, type RunningRunner } from "../../runner/main.ts";

export interface RunnerFlags {
  nats?: string;
  labels?: string;
  namespace?: string;
  name?: string;
  "work-dir"?: string;
  prefix?: string;
}

export function runnerOverrides(flags: RunnerFlags): Partial<RunnerConfigInput> {
  return {
    ...(flags.nats ? { natsUrl: flags.nats } : {}),
    ...(flags.labels ? { labels: flags.labels } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    ...(flags["work-dir"] ? { workDir: flags["work-dir"] } : {}),
    ...(flags.prefix ? { natsPrefix: flags.prefix } : {}),
  };
}

export async function runnerStartCommand(flags: RunnerFlags, log: Logger): Promise<RunningRunner> {
  const config = readRunnerConfig(process.env, runnerOverrides(flags));
  const runner = await startRunner(config, { logger: log });
  log.info({ name: config.name, namespace: config.namespace, labels: config.labels }, "runner started");
  return runner;
}
