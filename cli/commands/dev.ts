/**
 * `flotilla dev` (what `npm start` runs): everything on one machine with embedded defaults —
 * a private nats-server unless NATS_URL is set, PGlite unless DATABASE_URL is set, the bot,
 * and one local runner labelled `self-hosted`, the OS and the architecture.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { readBotConfig } from "../../bot/config.ts";
import { localSecretsKey } from "../../bot/secrets/local-key.ts";
import { readRunnerConfig } from "../../runner/config.ts";
import { startRunner } from "../../runner/main.ts";
import { startEmbeddedNats } from "../embedded-nats.ts";
import { startBotOrSetup, type Stoppable } from "./bot.ts";

export async function devCommand(log: Logger): Promise<Stoppable> {
  const config = readBotConfig();
  const stops: (() => Promise<void>)[] = [];
  if (!config.secretsKey) {
    // Secrets work out of the box: a key of this machine's own, kept with the rest of its data.
    const local = await localSecretsKey(config.dataDir);
    config.secretsKey = local.key;
    log.info({ path: local.path, created: local.created }, "secrets key from the data directory");
  }
  try {
    if (!config.nats.url) {
      const nats = await startEmbeddedNats(config.dataDir);
      stops.unshift(nats.stop);
      config.nats.url = nats.url;
      log.info({ url: nats.url, dataDir: join(config.dataDir, "nats") }, "embedded nats-server started");
    }
    const bot = await startBotOrSetup(config, log);
    stops.unshift(() => bot.close());
    const runner = await startRunner(
      readRunnerConfig(process.env, {
        natsUrl: config.nats.url,
        natsPrefix: config.nats.prefix,
        name: `${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}-local`,
        workDir: join(config.dataDir, "runner"),
      }),
      { logger: log.child({ name: "runner" }) },
    );
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
