/**
 * Starting a runner: dial NATS (runners need no inbound port), follow the labelsets of its
 * namespace, run jobs until stopped.
 */
import { readFileSync } from "node:fs";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino, type Logger } from "pino";
import { natsNames } from "../protocol/names.ts";
import { objectStoreAccess } from "../protocol/object-stores.ts";
import type { RunnerRef } from "../protocol/messages.ts";
import { startAgent, type AgentStats } from "./agent.ts";
import { gitCheckout, type SourceCheckout } from "./checkout.ts";
import type { RunnerConfig } from "./config.ts";
import { processExecutor, type StepExecutor } from "./executor.ts";
import { natsJobSource } from "./job-source.ts";
import { abortableSleep } from "./sleep.ts";

export const RUNNER_VERSION = readVersion();

export interface StartRunnerOptions {
  logger?: Logger;
  /** How steps run; processes on this machine unless a test or a later backend says otherwise. */
  executor?: StepExecutor;
  /** How code is fetched; plain git unless a mirror cache is configured. */
  checkout?: SourceCheckout;
  /** Tries at the first connection before giving up (reconnects after that never give up). */
  connectAttempts?: number;
}

export interface RunningRunner {
  runner: RunnerRef;
  /**
   * Stops taking jobs; running jobs get `graceMs` (default 0) to finish, then are cancelled
   * and handed back to the queue; then the connection is drained. Idempotent.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** During a `stop` grace period: hand the running jobs back now. */
  hurry(): void;
  /** Resolves when the runner has stopped: after `stop`, or when its connection closed for good. */
  done: Promise<void>;
  stats(): AgentStats;
}

export class RunnerStartError extends Error {
  override name = "RunnerStartError";
}

export async function startRunner(config: RunnerConfig, options: StartRunnerOptions = {}): Promise<RunningRunner> {
  const logger = (options.logger ?? pino({ name: "flotilla-runner" })).child({ runner: config.name, namespace: config.namespace });
  const nc = await connectWithRetry(config, options.connectAttempts ?? 10, logger);
  const names = natsNames(config.natsPrefix);
  const runner: RunnerRef = { name: config.name, namespace: config.namespace, labels: config.labels, version: RUNNER_VERSION };
  const source = natsJobSource({ nc, names, namespace: config.namespace, labels: config.labels, logger });
  const agent = startAgent({
    source,
    config,
    runner,
    nc,
    js: jetstream(nc),
    names,
    executor: options.executor ?? processExecutor({ cancelGraceMs: config.cancelGraceMs }),
    checkout: options.checkout ?? gitCheckout(),
    logger,
    stores: objectStoreAccess(nc, names, config.namespace),
  });
  logger.info({ labels: config.labels, version: RUNNER_VERSION, server: nc.getServer() }, "runner started");

  let stopping: Promise<void> | undefined;
  function stop(stopOptions: { graceMs?: number } = {}): Promise<void> {
    stopping ??= (async () => {
      await agent.stop(stopOptions);
      if (!nc.isClosed()) await nc.drain().catch((error: unknown) => logger.warn({ err: error }, "drain failed"));
      logger.info("runner stopped");
    })();
    return stopping;
  }

  const closed = nc.closed().then(async (error) => {
    if (stopping) return;
    // Lost for good (or closed under us): nothing we run could be reported any more, and
    // the jobs come back to another runner when their leases lapse.
    logger.error({ err: error }, "NATS connection closed; stopping");
    await stop();
  });
  // `--once`: the agent ends by itself after its job; then the connection goes too.
  void agent.done.then(() => (config.once ? stop() : undefined));
  return { runner, stop, hurry: () => agent.hurry(), done: Promise.all([closed, agent.done]).then(() => undefined), stats: () => agent.stats() };
}

async function connectWithRetry(config: RunnerConfig, attempts: number, logger: Logger): Promise<NatsConnection> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await connect({ servers: config.natsUrl, name: `flotilla-runner ${config.name}`, maxReconnectAttempts: -1, reconnectTimeWait: 1_000 });
    } catch (error) {
      lastError = error;
      const waitMs = Math.min(500 * 2 ** (attempt - 1), 5_000);
      if (attempt < attempts) logger.warn({ err: error, attempt, waitMs, server: config.natsUrl }, "cannot reach NATS, retrying");
      if (attempt < attempts) await abortableSleep(waitMs);
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new RunnerStartError(`cannot reach NATS at ${config.natsUrl} after ${attempts} attempts: ${reason}`, { cause: lastError });
}

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === "string" ? version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
