/**
 * Starting a runner: dial NATS (runners need no inbound port), follow the labelsets of its
 * namespace, run jobs until stopped.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino, type Logger } from "pino";
import { natsNames } from "../protocol/names.ts";
import { objectStoreAccess } from "../protocol/object-stores.ts";
import { decode, RunnerControl, type RunnerRef } from "../protocol/messages.ts";
import { startAgent, type AgentStats } from "./agent.ts";
import type { SourceCheckout } from "./source/checkout.ts";
import type { RunnerConfig } from "./config.ts";
import type { StepExecutor } from "./step/executor.ts";
import { startHeartbeat, type Heartbeat } from "./heartbeat.ts";
import { startMetricsServer } from "./metrics-server.ts";
import { natsJobSource } from "./queue/job-source.ts";
import { abortableSleep } from "./sleep.ts";
import { credentialsOption } from "../protocol/credentials.ts";

export const RUNNER_VERSION = readVersion();

export interface StartRunnerOptions {
  logger?: Logger;
  /** How steps run; processes on this machine unless a test or a later backend says otherwise. */
  executor?: StepExecutor;
  /** How code is fetched; by default the runner's git mirror cache (plain git with `gitMirror: false`). */
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
  /** The port `/metrics` and `/healthz` are served on, when `metricsPort` asked for one. */
  metricsPort?: number;
}

class RunnerStartError extends Error {
  override name = "RunnerStartError";
}

export async function startRunner(config: RunnerConfig, options: StartRunnerOptions = {}): Promise<RunningRunner> {
  const logger = (options.logger ?? pino({ name: "flotilla-runner" })).child({
    runner: config.name,
    namespace: config.namespace,
  });
  const names = natsNames(config.natsPrefix);
  const nc = await connectWithRetry(config, names.inboxPrefix(config.id), options.connectAttempts ?? 10, logger);
  const runner = {
    id: config.id,
    name: config.name,
    namespace: config.namespace,
    labels: config.labels,
    exclusiveLabels: config.exclusiveLabels,
    version: RUNNER_VERSION,
  } satisfies RunnerRef;
  const source = natsJobSource({
    nc,
    names,
    namespace: config.namespace,
    labels: config.labels,
    exclusiveLabels: config.exclusiveLabels,
    logger,
  });
  let heartbeat: Heartbeat | undefined;
  let draining = false;
  const agent = startAgent({
    onChange: () => heartbeat?.beat(),
    source,
    config,
    runner,
    nc,
    js: jetstream(nc),
    names,
    executor: options.executor ?? defaultExecutor(config),
    checkout: options.checkout ?? defaultCheckout(config),
    logger,
    stores: objectStoreAccess(nc, names, config.namespace),
  });
  heartbeat = startHeartbeat({
    nc,
    names,
    runner,
    concurrency: config.concurrency,
    intervalMs: config.heartbeatMs,
    state: () => ({ running: agent.stats().runningJobs, stopping: draining }),
    logger,
  });
  const metrics =
    config.metricsPort === undefined
      ? undefined
      : await startMetricsServer(config.metricsPort, config.metricsHost, {
          runner,
          concurrency: config.concurrency,
          stats: () => agent.stats(),
          connected: () => !nc.isClosed(),
        }).catch(async (error: unknown) => {
          await agent.stop();
          heartbeat?.stop();
          await nc.close();
          throw error;
        });
  logger.info(
    {
      id: config.id,
      labels: config.labels,
      version: RUNNER_VERSION,
      server: nc.getServer(),
      metricsPort: metrics?.port,
    },
    "runner started",
  );

  let stopping: Promise<void> | undefined;
  function stop(stopOptions: { graceMs?: number } = {}): Promise<void> {
    stopping ??= (async () => {
      draining = true;
      heartbeat?.beat();
      await agent.stop(stopOptions);
      heartbeat?.stop();
      if (!nc.isClosed()) await nc.drain().catch((error: unknown) => logger.warn({ err: error }, "drain failed"));
      await metrics?.close();
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
  // Removed by an operator: in open NATS mode the bot can only ask; with per-runner
  // credentials the server has already cut the connection (see `watchRevocation`).
  nc.subscribe(names.controlSubject(config.id), {
    callback: (_error, msg) => {
      try {
        const control = decode(RunnerControl, msg.data, "runner control");
        logger.error({ reason: control.message }, "this runner was removed; stopping");
        void stop();
        agent.hurry();
      } catch (error) {
        logger.warn({ err: error }, "unreadable control message ignored");
      }
    },
  });
  watchRevocation(nc, logger, () => {
    void stop();
    agent.hurry();
  });
  // `--once`: the agent ends by itself after its job; then the connection goes too.
  void agent.done.then(() => (config.once ? stop() : undefined));
  return {
    runner,
    stop,
    hurry: () => agent.hurry(),
    done: Promise.all([closed, agent.done]).then(() => undefined),
    stats: () => agent.stats(),
    ...(metrics ? { metricsPort: metrics.port } : {}),
  };
}

/**
 * Steps as processes on this machine. Its module (and execa with it) loads at the first step:
 * an idle runner does not hold it.
 */
function defaultExecutor(config: RunnerConfig): StepExecutor {
  const executor = once(async () =>
    (await import("./step/executor.ts")).processExecutor({ cancelGraceMs: config.cancelGraceMs }),
  );
  return { run: async (request) => (await executor()).run(request) };
}

/** The git mirror cache (plain git with `gitMirror: false`), loaded at the first checkout. */
function defaultCheckout(config: RunnerConfig): SourceCheckout {
  const checkout = once(async (): Promise<SourceCheckout> => {
    if (!config.gitMirror) return (await import("./source/checkout.ts")).gitCheckout();
    const { gitMirrorCheckout, MIRRORS_DIR } = await import("./source/git-mirror.ts");
    return gitMirrorCheckout({ dir: join(config.workDir, MIRRORS_DIR) });
  });
  return { checkout: async (request, checkoutOptions) => (await checkout()).checkout(request, checkoutOptions) };
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/**
 * The server revoked this runner's credential (`flotilla runner remove`): reconnecting can only
 * fail again, so stop instead of retrying forever.
 */
function watchRevocation(nc: NatsConnection, logger: Logger, onRevoked: () => void): void {
  void (async () => {
    for await (const status of nc.status()) {
      const message = "error" in status && status.error instanceof Error ? status.error.message : "";
      if (/revoked|authorization violation|authentication expired/i.test(message)) {
        logger.error({ reason: message }, "this runner's credential was refused; stopping");
        onRevoked();
        await nc.close().catch(() => undefined);
        return;
      }
    }
  })().catch(() => undefined);
}

async function connectWithRetry(
  config: RunnerConfig,
  inboxPrefix: string,
  attempts: number,
  logger: Logger,
): Promise<NatsConnection> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await connect({
        servers: config.natsUrl,
        name: `flotilla-runner ${config.name}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1_000,
        // Replies (pulled jobs, acks' answers, secrets) arrive under a prefix only this runner may read.
        inboxPrefix,
        ...credentialsOption(config.natsCreds),
      });
    } catch (error) {
      lastError = error;
      // A refused credential will not be accepted by trying again.
      if (/authorization violation|revoked/i.test(error instanceof Error ? error.message : "")) break;
      const waitMs = Math.min(500 * 2 ** (attempt - 1), 5_000);
      if (attempt < attempts)
        logger.warn({ err: error, attempt, waitMs, server: config.natsUrl }, "cannot reach NATS, retrying");
      if (attempt < attempts) await abortableSleep(waitMs);
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new RunnerStartError(`cannot reach NATS at ${config.natsUrl} after ${attempts} attempts: ${reason}`, {
    cause: lastError,
  });
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
