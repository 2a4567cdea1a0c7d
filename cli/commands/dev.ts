/**
 * `flotilla dev` (what `npm start` runs): everything on one machine with embedded defaults —
 * a private nats-server unless NATS_URL is set, PGlite unless DATABASE_URL is set, the bot,
 * and one local runner labelled `self-hosted`, the OS and the architecture.
 *
 * The private nats-server runs with per-runner credentials, as a production one should: the
 * keys live under the data directory (`nats-auth/`), and the local runner is registered like
 * any other (its identity in `runner/runner.json`).
 */
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fmtCreds } from "@nats-io/jwt";
import { createUser } from "@nats-io/nkeys";
import type { Logger } from "pino";
import { ConfigError, readBotConfig, type BotConfig } from "../../bot/config.ts";
import { localSecretsKey } from "../../bot/secrets/local-key.ts";
import { initAuthority, serverConfPath, type NatsAuthority } from "../../bot/fleet/nats-authority.ts";
import type { RunningBot } from "../../bot/start-bot.ts";
import { RegistrationError } from "../../bot/fleet/registration.ts";
import { defaultRunnerLabels } from "../../protocol/labels.ts";
import {
  configFileOptions,
  readConfigFile,
  readRunnerConfig,
  RUNNER_VERSION,
  startRunner,
  writeConfigFile,
  type RunnerConfigFile,
  type RunningRunner,
} from "../../runner/index.ts";
import { startEmbeddedNats } from "../embedded-nats.ts";
import { startBotOrSetup, type Stoppable } from "./bot.ts";

export async function devCommand(log: Logger): Promise<Stoppable> {
  const config = readDevConfig();
  // One person's machine: a browser on it is the operator (the first page's forms, the runners page).
  config.http.trustLoopback = true;
  const stops: (() => Promise<void>)[] = [];
  if (!config.secretsKey) {
    // Secrets work out of the box: a key of this machine's own, kept with the rest of its data.
    const local = await localSecretsKey(config.dataDir);
    config.secretsKey = local.key;
    log.info({ path: local.path, created: local.created }, "secrets key from the data directory");
  }
  try {
    let authority: NatsAuthority | undefined;
    if (!config.nats.url) {
      const authDir = config.nats.authDir ?? join(config.dataDir, "nats-auth");
      authority = await initAuthority(authDir);
      const nats = await startEmbeddedNats(config.dataDir, {
        auth: { config: readFileSync(serverConfPath(authDir), "utf8"), creds: authority.botCreds },
        ...(config.nats.listen ? { listen: config.nats.listen } : {}),
      });
      stops.unshift(nats.stop);
      config.nats.url = nats.url;
      config.nats.authDir = authDir;
      log.info(
        { url: nats.url, listen: config.nats.listen, dataDir: join(config.dataDir, "nats"), credentials: authDir },
        "embedded nats-server started, with per-runner credentials",
      );
      if (config.nats.listen && !config.nats.runnerUrl)
        log.warn(
          { listen: config.nats.listen, url: nats.url },
          "NATS_LISTEN is set but FLOTILLA_RUNNER_NATS_URL is not: runners registered from other machines are given this machine's loopback URL",
        );
    }
    const bot = await startBotOrSetup(config, log);
    stops.unshift(() => bot.close());
    const runner = await startLocalRunner(config, bot, log);
    stops.unshift(() => runner.stop());
    log.info({ labels: runner.runner.labels }, "local runner started");
  } catch (error) {
    for (const stop of stops) await stop().catch(() => {});
    throw error;
  }
  return {
    async close() {
      for (const stop of stops) await stop().catch((err) => log.warn({ err }, "stop failed"));
    },
  };
}

/**
 * The bot's settings, with the local runner's checked beside them: a bad FLOTILLA_RUNNER_* is
 * listed with the bot's problems before anything starts, not after the bot is up. The runner's
 * NATS URL is today's embedded server's, so it is not the environment's to get wrong.
 */
function readDevConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const problems: string[] = [];
  let config: BotConfig | undefined;
  try {
    config = readBotConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  try {
    readRunnerConfig(env, { natsUrl: "nats://127.0.0.1:4222" });
  } catch (error) {
    const listed = (error as { problems?: string[] }).problems;
    if (!Array.isArray(listed)) throw error;
    problems.push(...listed);
  }
  if (problems.length > 0 || !config) throw new ConfigError([...new Set(problems)]);
  return config;
}

/**
 * The local runner: registered with the bot once (its identity kept in the data directory),
 * registered again when its credential was revoked.
 */
async function startLocalRunner(config: BotConfig, bot: RunningBot, log: Logger): Promise<RunningRunner> {
  const workDir = join(config.dataDir, "runner");
  const identityFile = join(workDir, "runner.json");
  const name = `${hostname().replace(/[^A-Za-z0-9_.-]/g, "-")}-local`;
  const start = (identity: RunnerConfigFile | undefined) =>
    // The embedded server's port is new on every start: the URL is today's, not the file's.
    startRunner(
      readRunnerConfig(process.env, {
        natsPrefix: config.nats.prefix,
        name,
        workDir,
        ...(identity ? configFileOptions(identity) : {}),
        natsUrl: config.nats.url,
      }),
      {
        logger: log.child({ name: "runner" }),
        connectAttempts: 3,
      },
    );
  if (!config.nats.authDir) return start(undefined);
  if (existsSync(identityFile)) {
    try {
      return await start(await readConfigFile(identityFile));
    } catch (error) {
      log.warn({ err: error }, "the local runner's identity was refused; registering it again");
      await rm(identityFile, { force: true });
    }
  }
  const identity = await registerLocal(config, bot, name);
  await writeConfigFile(identityFile, identity);
  return start(identity);
}

async function registerLocal(config: BotConfig, bot: RunningBot, name: string): Promise<RunnerConfigFile> {
  const user = createUser();
  const request = {
    name,
    labels: defaultRunnerLabels(),
    exclusiveLabels: [],
    version: RUNNER_VERSION,
    publicKey: user.getPublicKey(),
  };
  const registered = await bot.fleet.register(request).catch((error: unknown) => {
    // The name is still held by an earlier identity that was lost: keep both apart.
    if (error instanceof RegistrationError && error.status === 409)
      return bot.fleet.register({ ...request, name: `${name}-${Date.now().toString(36)}` });
    throw error;
  });
  return identityOf(config, registered.runner, registered.nats.jwt, user);
}

function identityOf(
  config: BotConfig,
  runner: { id: string; name: string; namespace: string; labels: string[]; exclusiveLabels: string[] },
  jwt: string | undefined,
  user: ReturnType<typeof createUser>,
): RunnerConfigFile {
  return {
    version: 1,
    ...runner,
    natsUrl: config.nats.url!,
    natsPrefix: config.nats.prefix,
    ...(jwt ? { natsCreds: new TextDecoder().decode(fmtCreds(jwt, user)) } : {}),
  };
}
