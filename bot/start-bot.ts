/**
 * One bot process: webhook intake, planner, reporter and log pages over one NATS connection
 * and one database. Run as many as you like against the same NATS and Postgres.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { openDb, type DbHandle } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { decode, ForgeEvent } from "../protocol/messages.ts";
import type { RegisterRequest, RegisterResponse } from "../protocol/registration.ts";
import { type BotConfig, hasGitHubApp, hasGitLab } from "./config.ts";
import { connectBus, connectNats, type Bus } from "./bus/connect.ts";
import { loadAuthority, type NatsAuthority } from "./fleet/nats-authority.ts";
import { pushRevocations } from "./fleet/removal.ts";
import { runnerRegistrationHandler } from "./api/runner-registration-handler.ts";
import { registerRunner, createRegistrationToken, type RegistrationDeps } from "./fleet/registration.ts";
import { startConsumeLoop } from "./bus/consume-loop.ts";
import { ensureDurableConsumer } from "./bus/durable-consumer.ts";
import { createGitHubApp } from "./forges/github/github-app.ts";
import type { Handler } from "./http/handler.ts";
import { healthHandler } from "./ops/health.ts";
import { readinessChecks } from "./ops/readiness-checks.ts";
import { apiCallObserver, createBotMetrics } from "./ops/metrics.ts";
import { addScrapeGauges } from "./ops/scrape-gauges.ts";
import { metricsHandler } from "./ops/metrics-handler.ts";
import { countWebhooks } from "./ops/count-webhooks.ts";
import { githubWebhookHandler } from "./forges/github/webhook.ts";
import { eventPublisher } from "./ingest/publish-event.ts";
import { planEvent } from "./planner/plan-event.ts";
import { steer } from "./commands/steer.ts";
import { githubKind } from "./forges/github/github-kind.ts";
import { gitlabKind } from "./forges/gitlab/gitlab-kind.ts";
import { gitlabWebhookHandler } from "./forges/gitlab/webhook.ts";
import { gitKind } from "./forges/git/git-kind.ts";
import { startGitPoller } from "./forges/git/poller.ts";
import { pollLease } from "./forges/git/poll-lease.ts";
import { openAgingBucket } from "./bus/aging-bucket.ts";
import { kvLease } from "./bus/kv-lease.ts";
import { startWebhookRecovery } from "./forges/github/webhook-recovery.ts";
import { storedDeliveries } from "./runs/deliveries.ts";
import { gitHookHandler } from "./forges/git/hook-handler.ts";
import { gitFollowsHandler } from "./api/git-follows-handler.ts";
import { federationHandler } from "./api/federation-handler.ts";
import { startUpstreamFederation } from "./federation/upstream.ts";
import { startDownstreamFederation } from "./federation/downstream-control.ts";
import { resultSender } from "./federation/send-result.ts";
import { forges, type ForgeName } from "./forges/forge-kind.ts";
import { applyRunnerMessage, executionOf } from "./reporter/apply-runner-event.ts";
import { logPagesHandler } from "./web/pages.ts";
import { jobPagesHandler } from "./web/job-handler.ts";
import { runEventsHandler } from "./web/run-events.ts";
import { assetsHandler } from "./web/assets.ts";
import { artifactDownloadHandler, artifactsSection, startArtifactSweep } from "./web/artifacts.ts";
import { ensureObjectStores } from "../protocol/object-stores.ts";
import { dispatchHandler } from "./api/dispatch-handler.ts";
import { runnersHandler } from "./api/runners-handler.ts";
import { namespacesHandler } from "./api/namespaces-handler.ts";
import { runnersPageHandler } from "./web/runners-page.ts";
import { queuePageHandler } from "./web/queue-page.ts";
import { homeHandler } from "./web/home.ts";
import { setupPages } from "./web/setup-handler.ts";
import { startWebhookRelay } from "./ingest/webhook-relay.ts";
import { followHeartbeats } from "./fleet/heartbeats.ts";
import { applyMaxDeliveries } from "./reporter/runner-lost.ts";
import { followAdvisories } from "./reporter/follow-advisories.ts";
import { startQueueTimer } from "./reporter/queue-timeout.ts";
import { notTakenExplanation, readFleet } from "./fleet/queued-explanation.ts";
import { secretsHandler } from "./api/secrets-handler.ts";
import { respondToSecretsRequests } from "./secrets/responder.ts";
import { type Clock, systemClock } from "./schedules/clock.ts";
import { startScheduleTimer } from "./schedules/schedule-timer.ts";
import { announceChange, SLOT_CLAIM_TTL_MS } from "./schedules/slot-claim.ts";

export interface RunningBot {
  url: string;
  port: number;
  bus: Bus;
  db: DbHandle;
  /** Registration in-process, as the API does it (`flotilla dev` registers its local runner so). */
  fleet: {
    authority?: NatsAuthority;
    register(request: Omit<RegisterRequest, "token">, namespace?: string): Promise<RegisterResponse>;
  };
  close(): Promise<void>;
}

/** What a bot is given besides its settings: tests pass their own clock to the schedule timer. */
export interface BotDeps {
  clock?: Clock;
}

export async function startBot(config: BotConfig, log: Logger, deps: BotDeps = {}): Promise<RunningBot> {
  if (!config.nats.url) throw new Error("NATS_URL is not set");
  const authority = config.nats.authDir ? loadAuthority(config.nats.authDir, config.nats.prefix) : undefined;
  const bus = await connectBus(config.nats.url, config.nats.prefix, {
    name: "flotilla-bot",
    jobMaxAgeDays: config.jobs.maxAgeDays,
    replicas: config.nats.replicas,
    creds: authority?.botCreds,
  });
  // Only the system account may update account claims (the revocations of removed runners).
  const system = authority
    ? await connectNats(config.nats.url, "flotilla-bot-system", authority.systemCreds)
    : undefined;
  const db = await openDb({ url: config.database.url, dataDir: join(config.dataDir, "pglite") });
  await migrate(db, config.database.url);
  const removal = { db: db.db, nc: bus.nc, names: bus.names, authority, system };
  // The server may have restarted from an older account JWT: make it revoke every removed runner again.
  await pushRevocations(removal);
  const metrics = createBotMetrics();
  const github = hasGitHubApp(config) ? createGitHubApp(config, log, apiCallObserver(metrics, "github")) : undefined;
  const gitlab = hasGitLab(config)
    ? { ...config.gitlab, url: config.gitlab.url!, token: config.gitlab.token! }
    : undefined;
  const forgeKinds = forges({
    ...(github ? { github: githubKind(github, config.github) } : {}),
    ...(gitlab ? { gitlab: gitlabKind(gitlab, log, apiCallObserver(metrics, "gitlab")) } : {}),
    git: gitKind({
      db: db.db,
      dataDir: config.dataDir,
      publicUrl: config.http.publicUrl,
      actionsUrl: config.git.actionsUrl,
      log,
      federatedResult: resultSender({ db: db.db, js: bus.js, log: log.child({ name: "federation" }) }),
    }),
  });
  const forgeForRun = (run: { forge: string; installationId: number | null }) =>
    forgeKinds.forgeOf({ ...run, forge: run.forge as ForgeName });
  const objectStores = await ensureObjectStores(bus.nc, bus.names, config.nats.replicas);
  addScrapeGauges(metrics, { bus, db: db.db, stores: objectStores });
  const artifactsLog = log.child({ name: "artifacts" });
  const artifactSweep = startArtifactSweep(objectStores.artifacts, artifactsLog);
  const lease = { ackWaitMs: config.jobs.leaseSeconds * 1000, maxDeliver: config.jobs.maxAttempts };

  const botId = randomUUID();
  const schedulesKv = await openAgingBucket(bus.nc, bus.names.schedulesBucket, SLOT_CLAIM_TTL_MS, config.nats.replicas);
  const plannerLog = log.child({ name: "planner" });
  const plannerDeps = {
    announceSchedules: () => announceChange(schedulesKv, botId),
    db: db.db,
    bus,
    forges: forgeKinds,
    forkTrusted: config.steering.forkTrusted,
    publicUrl: config.http.publicUrl,
    lease,
    log: plannerLog,
  };
  const steerDeps = { ...plannerDeps, log: log.child({ name: "commands" }) };
  const planner = await startConsumeLoop({
    consumer: await durable(bus, bus.names.eventsStream, bus.names.plannerConsumer, bus.names.eventsFilter),
    concurrency: 16,
    maxDeliver: 10,
    log: plannerLog,
    handle: async (msg) => {
      const event = decode(ForgeEvent, msg.data, "forge event");
      // A comment or a button steers runs; every other stored event may start runs.
      const steering = await forgeKinds.steerEvent(event);
      if (steering.ok) return steer(steerDeps, steering.value);
      return planEvent(plannerDeps, event);
    },
  });

  const reporterLog = log.child({ name: "reporter" });
  const reporter = await startConsumeLoop({
    consumer: await durable(bus, bus.names.runnerStream, bus.names.reporterConsumer),
    concurrency: 64,
    maxDeliver: 20,
    log: reporterLog,
    keyOf: (msg) => executionOf(msg.subject),
    handle: (msg) =>
      applyRunnerMessage(
        {
          db: db.db,
          bus,
          lease,
          names: bus.names,
          forgeForRun,
          publicUrl: config.http.publicUrl,
          failureComment: config.steering.failureComment,
          metrics,
          log: reporterLog,
        },
        msg.subject,
        msg.data,
      ),
  });

  // Jobs whose deliveries ran out (their runners vanished): publish again, or "runner lost".
  const runnerLost = await followAdvisories({
    bus,
    db: db.db,
    maxDeliver: lease.maxDeliver,
    log: reporterLog,
    handle: (data) =>
      applyMaxDeliveries(
        {
          db: db.db,
          bus,
          lease,
          maxAttempts: config.jobs.maxAttempts,
          forgeForRun,
          publicUrl: config.http.publicUrl,
          failureComment: config.steering.failureComment,
          metrics,
          log: reporterLog,
        },
        data,
      ),
  });
  await runnerLost.ready;

  // JOB_QUEUE_TIMEOUT: one timer, waking at the earliest deadline of a job still in a queue.
  const queueTimer = startQueueTimer({
    db: db.db,
    bus,
    lease,
    timeoutMs: config.jobs.queueTimeoutMs,
    forgeForRun,
    publicUrl: config.http.publicUrl,
    failureComment: config.steering.failureComment,
    explain: async (namespace, labels) => notTakenExplanation(await readFleet(db.db, [namespace]), namespace, labels),
    log: reporterLog,
  });

  // Plain git repositories: polled by whichever bot holds each one's lease (a few intervals long).
  const pollMs = config.git.pollSeconds * 1000;
  const gitPollKv = await openAgingBucket(
    bus.nc,
    bus.names.gitPollBucket,
    Math.max(3 * pollMs, 10_000),
    config.nats.replicas,
  );
  const gitPoller = startGitPoller({
    db: db.db,
    publish: eventPublisher(bus.js, bus.names),
    lease: pollLease((key) => kvLease(gitPollKv, key, botId)),
    intervalMs: pollMs,
    log: log.child({ name: "git-poll" }),
  });

  // `on.schedule`: every bot's timer wakes at the next slot; the one that claims a slot fires it.
  const scheduleTimer = await startScheduleTimer({
    db: db.db,
    kv: schedulesKv,
    publish: eventPublisher(bus.js, bus.names),
    clock: deps.clock ?? systemClock,
    botId,
    log: log.child({ name: "schedules" }),
  });

  // Federation (docs/federation.md): upstream's side needs the authority; every bot can follow an upstream.
  const federationLog = log.child({ name: "federation" });
  const upstreamFederation =
    authority && system
      ? await startUpstreamFederation({
          bus,
          db: db.db,
          authority,
          system,
          natsUrl: config.nats.url,
          forges: forgeKinds,
          log: federationLog,
        })
      : undefined;
  const downstreamFederation = await startDownstreamFederation({
    bus,
    db: db.db,
    publish: eventPublisher(bus.js, bus.names),
    log: federationLog,
  });

  const registration: RegistrationDeps = {
    db: db.db,
    names: bus.names,
    natsUrl: config.nats.runnerUrl ?? config.nats.url,
    authority,
  };
  const heartbeats = followHeartbeats(bus.nc, bus.names, db.db, log.child({ name: "fleet" }));
  const secretsLog = log.child({ name: "secrets" });
  const secretsResponder = respondToSecretsRequests({
    nc: bus.nc,
    jsm: bus.jsm,
    names: bus.names,
    db: db.db,
    key: config.secretsKey,
    log: secretsLog,
  });

  const policy = { apiToken: config.apiToken, trustLoopback: config.http.trustLoopback };
  const setup = setupPages({
    db: db.db,
    policy,
    publicUrl: config.http.publicUrl,
    github: { ...config.github, configured: Boolean(github) },
    gitlab: { url: config.gitlab.url, configured: Boolean(gitlab) },
    pollNow: (name) => gitPoller.pollNow(name),
    log: log.child({ name: "web" }),
  });
  const handlers: Handler[] = [
    healthHandler(readinessChecks(bus, db)),
    metricsHandler(metrics.registry),
    ...(github
      ? [
          countWebhooks(
            githubWebhookHandler({
              paths: ["/api/github/webhooks", "/"],
              verify: (body, signature) => github.verify(body, signature),
              publish: eventPublisher(bus.js, bus.names),
              log: log.child({ name: "ingest" }),
            }),
            metrics,
            "github",
            "x-github-event",
          ),
        ]
      : []),
    ...(gitlab
      ? [
          countWebhooks(
            gitlabWebhookHandler({
              path: "/gitlab/webhook",
              secret: config.gitlab.webhookSecret!,
              publish: eventPublisher(bus.js, bus.names),
              log: log.child({ name: "ingest" }),
            }),
            metrics,
            "gitlab",
            "x-gitlab-event",
          ),
        ]
      : []),
    gitHookHandler({ db: db.db, poller: gitPoller, log: log.child({ name: "git-poll" }) }),
    runnerRegistrationHandler({ token: config.apiToken, registration, removal, log: log.child({ name: "fleet" }) }),
    ...(github
      ? [
          dispatchHandler({
            token: config.apiToken,
            github,
            publish: eventPublisher(bus.js, bus.names),
            log: log.child({ name: "api" }),
          }),
        ]
      : []),
    runnersHandler({ db: db.db, token: config.apiToken, publicUrl: config.http.publicUrl }),
    namespacesHandler({ db: db.db, token: config.apiToken }),
    gitFollowsHandler({
      db: db.db,
      token: config.apiToken,
      publicUrl: config.http.publicUrl,
      pollNow: (name) => gitPoller.pollNow(name),
    }),
    federationHandler({ token: config.apiToken, upstream: upstreamFederation, downstream: downstreamFederation }),
    runnersPageHandler({ db: db.db, policy, publicUrl: config.http.publicUrl, bus }),
    queuePageHandler({ db: db.db, policy, bus }),
    setup.handler,
    homeHandler({ db: db.db, policy, forgeConfigured: Boolean(github || gitlab), setup }),
    secretsHandler({ token: config.apiToken, db: db.db, key: config.secretsKey, log: secretsLog }),
    artifactDownloadHandler(db.db, objectStores.artifacts, artifactsLog),
    assetsHandler(),
    jobPagesHandler({ db: db.db, nc: bus.nc, names: bus.names, log: log.child({ name: "web" }) }),
    runEventsHandler({ db: db.db, nc: bus.nc, names: bus.names, log: log.child({ name: "web" }) }),
    logPagesHandler(db.db, {
      runSections: (runId, token) => artifactsSection(objectStores.artifacts, runId, token, artifactsLog),
    }),
  ];
  const server = await listen(handlers, config.http.host, config.http.port, log);
  const port = (server.address() as AddressInfo).port;
  log.info({ port, publicUrl: config.http.publicUrl }, "bot listening");
  // A laptop's bot: GitHub's webhooks arrive through the relay channel, into the intake above.
  const relay =
    github && config.github.webhookProxyUrl
      ? startWebhookRelay({
          source: config.github.webhookProxyUrl,
          target: `http://${loopbackOf(config.http.host)}:${port}/api/github/webhooks`,
          log: log.child({ name: "webhook-relay" }),
        })
      : undefined;
  // Lost webhooks (docs/operations.md): once listening, so the redeliveries asked for find us up.
  const recoveryMs = config.github.webhookRecoveryMs;
  const webhookRecovery =
    github && recoveryMs > 0
      ? startWebhookRecovery({
          deliveries: github.hookDeliveries,
          stored: (guids) => storedDeliveries(db.db, "github", guids),
          intervalMs: recoveryMs,
          lease: kvLease(
            await openAgingBucket(bus.nc, bus.names.webhookRecoveryBucket, 3 * recoveryMs, config.nats.replicas),
            "lease",
            botId,
          ),
          log: log.child({ name: "webhook-recovery" }),
        })
      : undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    bus,
    db,
    fleet: {
      authority,
      async register(request, namespace = "default") {
        const { token } = await createRegistrationToken(db.db, namespace, 60_000);
        return registerRunner(registration, { ...request, token });
      },
    },
    async close() {
      relay?.stop();
      await webhookRecovery?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      artifactSweep.stop();
      await gitPoller.stop();
      await scheduleTimer.stop();
      queueTimer.stop();
      await downstreamFederation.close();
      await upstreamFederation?.close();
      heartbeats.unsubscribe();
      secretsResponder.unsubscribe();
      await planner.stop();
      await reporter.stop();
      await runnerLost.stop();
      await bus.nc.drain().catch(() => {});
      await system?.close().catch(() => {});
      await db.close();
    },
  };
}

/** Where this process reaches its own server: the address it listens on, loopback for every address. */
function loopbackOf(host: string): string {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/** The planner and reporter consumers (see durable-consumer.ts). */
async function durable(bus: Bus, stream: string, name: string, filter?: string) {
  await ensureDurableConsumer(bus, stream, name, {
    max_ack_pending: 1024,
    ...(filter ? { filter_subject: filter } : {}),
  });
  return bus.js.consumers.get(stream, name);
}

function listen(handlers: Handler[], host: string, port: number, log: Logger): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      for (const handler of handlers) if (await handler(req, res)) return;
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
    } catch (error) {
      log.error({ err: error, url: req.url }, "request failed");
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} is in use: set PORT to another port`, { cause: error })
          : error,
      ),
    );
    server.listen(port, host, () => resolve(server));
  });
}
