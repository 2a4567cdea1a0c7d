/**
 * `flotilla bot`: the bot alone, against the configured NATS and database. With no GitHub App
 * configured it serves Probot's manifest flow so the app can be registered from app.yml.
 */
import type { Logger } from "pino";
import { ConfigError, hasGitHubApp, hasGitLab, readBotConfig, type BotConfig } from "../../bot/config.ts";
import { startBot } from "../../bot/start-bot.ts";

export interface Stoppable {
  close(): Promise<void>;
}

export async function startBotOrSetup(config: BotConfig, log: Logger): Promise<Stoppable> {
  if (config.gitlab.url && config.gitlab.token && !config.gitlab.webhookSecret) {
    throw new ConfigError([
      "GITLAB_WEBHOOK_SECRET: is not set, and Flotilla refuses GitLab hooks without a secret token. Set it, and the same secret token on the project's webhook.",
    ]);
  }
  if (hasGitHubApp(config) || hasGitLab(config)) return startBot(config, log);
  if (config.github.appId && config.github.privateKey && !config.github.webhookSecret) {
    throw new ConfigError([
      "WEBHOOK_SECRET: is not set, and Flotilla refuses unsigned webhooks. Set it to the secret of your GitHub App's webhook.",
    ]);
  }
  log.info(
    "no GitHub App configured: open the bot's page in a browser to register one (Probot's manifest flow, from app.yml)",
  );
  const { run } = await import("probot");
  // Probot's lines go through our logger: one format (JSON lines, or pretty on a terminal) for all.
  const server = await run(() => {}, {
    env: { ...process.env, PORT: String(config.http.port) },
    log: log.child({ name: "probot" }),
  });
  return { close: () => server.stop() };
}

export async function botCommand(log: Logger): Promise<Stoppable> {
  return startBotOrSetup(readBotConfig(), log);
}
