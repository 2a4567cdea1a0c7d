/**
 * `flotilla bot`: the bot alone, against the configured NATS and database. With no GitHub App
 * configured it still starts — GitLab and plain git need none — and its first page offers
 * GitHub's manifest flow so the app can be registered from app.yml (bot/web/first-page.ts).
 */
import type { Logger } from "pino";
import { ConfigError, hasGitHubApp, hasGitLab, readBotConfig, type BotConfig } from "../../bot/config.ts";
import { type RunningBot, startBot } from "../../bot/start-bot.ts";

export interface Stoppable {
  close(): Promise<void>;
}

export async function startBotOrSetup(config: BotConfig, log: Logger): Promise<RunningBot> {
  if (config.gitlab.url && config.gitlab.token && !config.gitlab.webhookSecret) {
    throw new ConfigError([
      "GITLAB_WEBHOOK_SECRET: is not set, and Flotilla refuses GitLab hooks without a secret token. Set it, and the same secret token on the project's webhook.",
    ]);
  }
  if (config.github.appId && config.github.privateKey && !config.github.webhookSecret) {
    throw new ConfigError([
      "WEBHOOK_SECRET: is not set, and Flotilla refuses unsigned webhooks. Set it to the secret of your GitHub App's webhook.",
    ]);
  }
  const bot = await startBot(config, log);
  if (!hasGitHubApp(config) && !hasGitLab(config))
    log.info(
      { url: config.http.publicUrl },
      "no GitHub App or GitLab configured: open the bot's page to register an app, add a GitLab project or follow a git repository",
    );
  return bot;
}

export async function botCommand(log: Logger): Promise<Stoppable> {
  return startBotOrSetup(readBotConfig(), log);
}
