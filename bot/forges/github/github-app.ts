/**
 * The GitHub App as Probot runs it: signature checks, and Octokit clients authenticated as the
 * app or an installation (cached by Probot until the token nears expiry).
 */
import { Probot } from "probot";
import type { Logger } from "pino";
import type { BotConfig } from "../../config.ts";
import type { Forge } from "../forge.ts";
import { blobCache, permissionCache, tokenCache } from "../caches.ts";
import { githubForge } from "./github-forge.ts";
import { limitedOctokit } from "./octokit.ts";
import type { ObserveApiCall } from "../../ops/metrics.ts";
import type { HookDelivery, HookDeliveries } from "./webhook-recovery.ts";

export interface GitHubApp {
  verify(body: string, signature: string): Promise<boolean>;
  forge(installationId: number): Promise<Forge>;
  /** The installation covering `fullName` and the repository as the REST API shows it; undefined when the app is not installed there. */
  repository(fullName: string): Promise<{ installationId: number; repository: Record<string, unknown> } | undefined>;
  /** The App's webhook deliveries (app JWT): what lost-webhook recovery reads and redelivers. */
  hookDeliveries: HookDeliveries;
}

/** `observe`: told of every REST call the app's clients make (the bot's metrics). */
export function createGitHubApp(config: BotConfig, log: Logger, observe?: ObserveApiCall): GitHubApp {
  const { appId, privateKey, webhookSecret } = config.github;
  if (!appId || !privateKey || !webhookSecret)
    throw new Error("GitHub App is not configured (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET)");
  const probot = new Probot({
    appId,
    privateKey,
    secret: webhookSecret,
    baseUrl: config.github.apiUrl,
    log: log.child({ name: "probot" }),
    Octokit: limitedOctokit(
      { concurrency: config.github.writeConcurrency, minIntervalMs: config.github.writeMinIntervalMs },
      log.child({ name: "octokit" }),
      observe,
    ),
  });
  const ready = probot.ready();
  const blobs = blobCache();
  const tokens = tokenCache();
  const permissions = permissionCache();
  // The app's slug is not configured: GitHub says it (`GET /app`), once per process.
  let login: Promise<string> | undefined;
  const botLogin = () => {
    login ??= probot
      .auth()
      .then((app) => app.rest.apps.getAuthenticated())
      .then(({ data }) => {
        if (!data?.slug) throw new Error("GitHub did not name the app's slug (GET /app)");
        return `${data.slug}[bot]`;
      })
      .catch((error: unknown) => {
        login = undefined;
        throw error;
      });
    return login;
  };
  const hookDeliveries: HookDeliveries = {
    async list(since) {
      await ready;
      const app = await probot.auth();
      return app.paginate("GET /app/hook/deliveries", { per_page: 100 }, (response, done) => {
        const page = response.data as HookDelivery[];
        if (page.some((d) => Date.parse(d.delivered_at) < since.getTime())) done();
        return page.filter((d) => Date.parse(d.delivered_at) >= since.getTime());
      });
    },
    async redeliver(id) {
      await ready;
      const app = await probot.auth();
      await app.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: id });
    },
  };
  return {
    hookDeliveries,
    async verify(body, signature) {
      await ready;
      return probot.webhooks.verify(body, signature);
    },
    async forge(installationId) {
      await ready;
      const octokit = await probot.auth(installationId);
      return githubForge({
        installationId,
        octokit,
        appOctokit: () => probot.auth(),
        blobs,
        tokens,
        permissions,
        botLogin,
      });
    },
    async repository(fullName) {
      await ready;
      const [owner = "", repo = ""] = fullName.split("/");
      try {
        const app = await probot.auth();
        const { data: installation } = await app.rest.apps.getRepoInstallation({ owner, repo });
        const octokit = await probot.auth(installation.id);
        const { data } = await octokit.rest.repos.get({ owner, repo });
        return { installationId: installation.id, repository: data as unknown as Record<string, unknown> };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return undefined;
        throw error;
      }
    },
  };
}
