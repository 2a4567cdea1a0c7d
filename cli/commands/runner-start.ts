/**
 * `flotilla runner start`: one runner, dialling NATS; it needs no inbound port.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import {
  configFileOptions,
  defaultConfigPath,
  readConfigFile,
  readRunnerConfig,
  startRunner,
  type RunnerConfigInput,
  type RunningRunner,
} from "../../runner/index.ts";

const OPTIONS = {
  config: { type: "string" },
  once: { type: "boolean" },
  concurrency: { type: "string" },
  "max-job-minutes": { type: "string" },
  nats: { type: "string" },
  labels: { type: "string" },
  "exclusive-labels": { type: "string" },
  namespace: { type: "string" },
  name: { type: "string" },
  "work-dir": { type: "string" },
  prefix: { type: "string" },
  "metrics-port": { type: "string" },
} as const;

type RunnerFlags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

function runnerOverrides(flags: RunnerFlags): Partial<RunnerConfigInput> {
  return {
    ...(flags.nats ? { natsUrl: flags.nats } : {}),
    ...(flags.labels ? { labels: flags.labels } : {}),
    ...(flags["exclusive-labels"] ? { exclusiveLabels: flags["exclusive-labels"] } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.name ? { name: flags.name } : {}),
    ...(flags["work-dir"] ? { workDir: flags["work-dir"] } : {}),
    ...(flags.prefix ? { natsPrefix: flags.prefix } : {}),
    ...(flags.once ? { once: true } : {}),
    // The schema coerces and checks it: "--concurrency two" is refused by name.
    ...(flags.concurrency ? { concurrency: flags.concurrency as unknown as number } : {}),
    ...(flags["metrics-port"] ? { metricsPort: flags["metrics-port"] as unknown as number } : {}),
    ...(flags["max-job-minutes"] ? { maxJobMinutes: flags["max-job-minutes"] as unknown as number } : {}),
  };
}

export async function runnerStartCommand(args: string[], log: Logger): Promise<number> {
  const { values: flags } = parseArgs({ args, options: OPTIONS });
  // The registered identity: --config, FLOTILLA_RUNNER_CONFIG, or the default file when it exists
  // and no --nats says this is an unregistered runner. Flags still win over the file.
  const path =
    flags.config ??
    process.env.FLOTILLA_RUNNER_CONFIG ??
    (!flags.nats && existsSync(defaultConfigPath()) ? defaultConfigPath() : undefined);
  const fromFile = path ? configFileOptions(await readConfigFile(path)) : {};
  const config = readRunnerConfig(process.env, { ...fromFile, ...runnerOverrides(flags) });
  const runner = await startRunner(config, { logger: log }).catch((error: unknown) => {
    throw refusedCredential(error, config) ?? error;
  });
  log.info(
    {
      name: config.name,
      namespace: config.namespace,
      labels: config.labels,
      once: config.once,
      concurrency: config.concurrency,
    },
    "runner started",
  );
  return untilDone(runner, config.drainGraceMs, log);
}

class NatsRefused extends Error {
  override name = "RunnerConfigError";
}

/**
 * NATS's "Authorization Violation" in the operator's words: a runner without a credential on a
 * server that wants one (`npm start`'s does) must be registered; one whose credential is
 * refused was removed or belongs elsewhere. Undefined for any other failure.
 */
function refusedCredential(error: unknown, config: { natsUrl: string; natsCreds?: string | undefined }) {
  if (!/authorization violation/i.test(error instanceof Error ? error.message : "")) return undefined;
  const how =
    "register it: `flotilla token create` where the bot runs, then `flotilla runner register --url BOT_URL --token TOKEN` here, then `flotilla runner start` (docs/getting-started.md, step 4)";
  return new NatsRefused(
    config.natsCreds
      ? `flotilla runner start: NATS at ${config.natsUrl} refused this runner's credential (removed with \`flotilla runner remove\`, or made for another server): ${how}`
      : `flotilla runner start: NATS at ${config.natsUrl} wants a credential of each runner, and this one has none: ${how}`,
    { cause: error },
  );
}

/**
 * Until the runner ends — by itself after `--once`, or by a signal. SIGTERM or Ctrl-C drains:
 * no new jobs, running ones may finish within the grace period, then they are handed back as
 * "runner stopping". A second signal hands them back at once; a third exits.
 */
function untilDone(runner: RunningRunner, graceMs: number, log: Logger): Promise<number> {
  let signals = 0;
  const onSignal = (signal: string) => {
    signals++;
    if (signals === 1) {
      log.info({ signal, graceMs }, "draining: no new jobs; running ones may finish, then go back to the queue");
      void runner.stop({ graceMs });
    } else if (signals === 2) {
      log.warn({ signal }, "stopping now: running jobs go back to the queue");
      runner.hurry();
    } else process.exit(130);
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
  return runner.done.then(() => 0);
}
