/**
 * A whole Flotilla for end-to-end suites: the real bot (in this process) against the fake
 * GitHub, the shared NATS server under a prefix of its own, a fresh Postgres database, and
 * real runners. Suites drive it the way GitHub would: signed webhooks over HTTP.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { readBotConfig } from "../../bot/config.ts";
import { startBot, type RunningBot } from "../../bot/start-bot.ts";
import {
  configFileOptions,
  type RunnerConfigFile,
  type RunnerConfigInput,
  type RunningRunner,
  readRunnerConfig,
  register,
  startRunner,
} from "../../runner/index.ts";
import { initAuthority, serverConfPath } from "../../bot/fleet/nats-authority.ts";
import { startFakeGitHub, type CheckRunRecord, type FakeGitHub, type FakeRepository } from "./fake-github.ts";
import { createRepo, type FileTree } from "./git-repo.ts";
import { freePort } from "./free-port.ts";
import { deleteStreamsOf } from "./nats-cleanup.ts";
import { appSettings, createAppCredentials, type AppCredentials } from "./github-app.ts";
import { sharedNatsUrl, startNatsServer, uniquePrefix, type NatsServerHandle } from "./nats-server.ts";
import { createTestDatabase, type TestDatabase } from "./postgres.ts";
import { postWebhook, pushPayload, signedDelivery, type PushOptions } from "./webhooks.ts";

export const INSTALLATION_ID = 4242;

export interface RunnerOptions {
  name: string;
  labels?: string[];
  namespace?: string;
  /** Further runner settings (concurrency, lease extension, …). */
  config?: Partial<RunnerConfigInput>;
}

export interface Flotilla {
  readonly bot: RunningBot;
  /** The private nats-server, when the suite asked for one (`privateNats`, `natsAuth`). */
  nats?: NatsServerHandle;
  /** The bot's environment: what `flotilla bot` needs to run as this Flotilla's bot in a process of its own. */
  botEnv: Record<string, string>;
  /** Closes the in-process bot (a suite may then run `flotilla bot` processes in its place). */
  stopBot(): Promise<void>;
  /** Closes the bot and starts it again with the same settings, as a restart of its process would. */
  restartBot(): Promise<void>;
  fake: FakeGitHub;
  app: AppCredentials;
  database: TestDatabase;
  natsUrl: string;
  prefix: string;
  publicUrl: string;
  /** The bot's API token (`flotilla dispatch`). */
  apiToken: string;
  /** Signs and posts a webhook as GitHub would; returns the bot's answer. */
  deliver(event: string, payload: object, id?: string): Promise<{ status: number; body: string }>;
  /** Delivers a push of `sha` to `repo` (in the test installation unless told); rejects unless the bot took it (202). */
  push(repo: FakeRepository, sha: string, options?: Partial<Omit<PushOptions, "sha">>): Promise<void>;
  startRunner(options: RunnerOptions): Promise<RunningRunner>;
  /** A real git repository with `files`, served by the fake GitHub (private, in the test installation, unless told). */
  repository(
    owner: string,
    name: string,
    files: FileTree,
    options?: { private?: boolean; installationId?: number },
  ): Promise<{ repo: FakeRepository; sha: string; dir: string }>;
  /** `repository(owner, name, files)`, then its commit pushed (see `push`). */
  pushRepository(
    owner: string,
    name: string,
    files: FileTree,
  ): Promise<{ repo: FakeRepository; sha: string; dir: string }>;
  /** The names of the check runs on `sha` so far, sorted: which jobs the bot made of a push. */
  checkRunNames(sha: string): string[];
  /** The first commit status on `sha` that is no longer pending, once there is one. */
  finalStatus(sha: string): Promise<FakeGitHub["statuses"][number]>;
  /** The check runs named (on `sha`), in that order, once all of them have completed. */
  finished<const N extends readonly string[]>(
    sha: string,
    names: N,
    timeoutMs?: number,
  ): Promise<{ [K in keyof N]: CheckRunRecord }>;
  close(): Promise<void>;
}

/** A one-time token from the operator API, traded for a runner identity as `flotilla runner register` does. */
export async function registerRunner(
  publicUrl: string,
  apiToken: string,
  options: RunnerOptions,
): Promise<RunnerConfigFile> {
  const response = await fetch(`${publicUrl}/api/v1/runner-tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" },
    body: JSON.stringify({ namespace: options.namespace ?? "default" }),
  });
  if (!response.ok) throw new Error(`token create failed: ${response.status} ${await response.text()}`);
  const { token } = (await response.json()) as { token: string };
  return register({
    botUrl: publicUrl,
    token,
    name: options.name,
    labels: options.labels ?? [],
    namespace: options.namespace ?? "default",
    version: "test",
  });
}

export function testLogger() {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
}

export interface FlotillaOptions {
  /** Use the embedded PGlite database, as `npm start` does, instead of a Postgres server. */
  pglite?: boolean;
  /** Further bot environment, e.g. a short `JOB_LEASE_SECONDS` for lost-runner suites. */
  env?: Record<string, string>;
  /**
   * A private nats-server with per-runner credentials (what `npm start` and docs/security.md
   * set up): runners are registered through the bot's API with a one-time token each.
   */
  natsAuth?: boolean;
  /** A private nats-server of its own (no credentials), for suites that stop or restart it. */
  privateNats?: boolean;
  /** More configuration for the private nats-server (a JetStream domain, leaf nodes: federation suites). */
  natsConfig?: string;
  /** `false`: the bot is given no GitHub App (a fresh `npm start`); the fake GitHub still runs. */
  githubApp?: boolean;
  /** As under `flotilla dev`: a browser on this machine is the operator. */
  trustLoopback?: boolean;
}

export async function startFlotilla(options: FlotillaOptions = {}): Promise<Flotilla> {
  const app = createAppCredentials();
  const fake = await startFakeGitHub({ app: { appId: app.appId, publicKey: app.publicKey } });
  const database = await createTestDatabase();
  const workRoot = await mkdtemp(join(tmpdir(), "flotilla-e2e-"));
  const authDir = join(workRoot, "nats-auth");
  const prefix = uniquePrefix("e2e");
  const authority = options.natsAuth ? await initAuthority(authDir, prefix) : undefined;
  const extra = options.natsConfig ? `${options.natsConfig}\n` : "";
  const privateNats = authority
    ? await startNatsServer({
        config: extra + (await readFile(serverConfPath(authDir), "utf8")),
        creds: authority.botCreds,
      })
    : options.privateNats
      ? await startNatsServer(extra ? { config: extra } : {})
      : undefined;
  const natsUrl = privateNats?.url ?? sharedNatsUrl();
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const apiToken = randomBytes(24).toString("hex");
  const botEnv: Record<string, string> = {
    ...(options.githubApp === false ? {} : appSettings(app, fake)),
    HOST: "127.0.0.1",
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    NATS_URL: natsUrl,
    NATS_PREFIX: prefix,
    ...(options.pglite ? {} : { DATABASE_URL: database.url }),
    DATA_DIR: join(workRoot, "data"),
    FLOTILLA_API_TOKEN: apiToken,
    ...(authority ? { FLOTILLA_NATS_AUTH_DIR: authDir } : {}),
    ...options.env,
  };
  const config = readBotConfig(botEnv);
  config.http.trustLoopback = options.trustLoopback ?? false;
  let bot = await startBot(config, testLogger());
  let botOpen = true;
  const stopBot = async () => {
    if (botOpen) await bot.close();
    botOpen = false;
  };
  const runners: RunningRunner[] = [];
  const deliver: Flotilla["deliver"] = async (event, payload, id) => {
    const delivery = await signedDelivery(payload, { secret: app.webhookSecret, event, id });
    return postWebhook(`${publicUrl}/api/github/webhooks`, delivery);
  };
  const push: Flotilla["push"] = async (repo, sha, options = {}) => {
    const answer = await deliver("push", pushPayload(repo, { installationId: INSTALLATION_ID, ...options, sha }));
    if (answer.status !== 202)
      throw new Error(`the bot answered the push of ${sha} with ${answer.status}: ${answer.body}`);
  };
  const repository: Flotilla["repository"] = async (owner, name, files, options = {}) => {
    const dir = join(workRoot, "repos", `${owner}-${name}`);
    // Named in its first commit: two repositories with the same files made in the same second
    // would otherwise share a commit, and a suite reading check runs by SHA would see both.
    const { sha } = await createRepo(dir, files, { message: `Initial commit of ${owner}/${name}` });
    const repo = await fake.addRepository({
      owner,
      name,
      dir,
      private: options.private ?? true,
      installationId: options.installationId ?? INSTALLATION_ID,
    });
    return { repo, sha, dir };
  };

  return {
    get bot() {
      return bot;
    },
    nats: privateNats,
    botEnv,
    stopBot,
    async restartBot() {
      await stopBot();
      bot = await startBot(config, testLogger());
      botOpen = true;
    },
    fake,
    app,
    database,
    natsUrl,
    prefix,
    publicUrl,
    apiToken,
    deliver,
    push,
    async startRunner(options) {
      const identity = authority ? configFileOptions(await registerRunner(publicUrl, apiToken, options)) : {};
      const runner = await startRunner(
        readRunnerConfig(
          {},
          {
            natsUrl,
            natsPrefix: prefix,
            name: options.name,
            namespace: options.namespace ?? "default",
            labels: options.labels ?? [],
            workDir: join(workRoot, "runners", options.name),
            ...identity,
            ...options.config,
          },
        ),
        { logger: testLogger() },
      );
      runners.push(runner);
      return runner;
    },
    repository,
    async pushRepository(owner, name, files) {
      const created = await repository(owner, name, files);
      await push(created.repo, created.sha);
      return created;
    },
    checkRunNames: (sha) =>
      fake.checkRuns
        .filter((r) => r.run.head_sha === sha)
        .map((r) => r.run.name)
        .sort(),
    finalStatus: (sha) => fake.waitFor(() => fake.statuses.find((s) => s.sha === sha && s.status.state !== "pending")),
    finished(sha, names, timeoutMs = 45_000) {
      return fake.waitFor(
        () => {
          const runs = names.map((n) =>
            fake.checkRuns.find((r) => r.run.head_sha === sha && r.run.name === n && r.run.status === "completed"),
          );
          return runs.every(Boolean) && (runs as CheckRunRecord[] as { [K in keyof typeof names]: CheckRunRecord });
        },
        { timeoutMs },
      );
    },
    async close() {
      await Promise.allSettled(runners.map((r) => r.stop()));
      await stopBot();
      if (privateNats) await privateNats.stop();
      else await deleteStreamsOf(natsUrl, prefix).catch(() => {});
      await fake.close();
      await database.drop();
      await rm(workRoot, { recursive: true, force: true });
    },
  };
}
