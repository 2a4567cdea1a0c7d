/**
 * GitLab as a forge kind (see ../forge-kind.ts): one GitLab (gitlab.com or self-managed) with
 * the bot's token, its hooks read by event-context.ts and steer-event.ts. Jobs see GitLab's web
 * and API addresses as `github.server_url` and `api_url`, and fetch `uses:` actions from
 * GITLAB_ACTIONS_URL (github.com unless told), since GitLab serves none.
 */
import type { Logger } from "pino";
import { blobCache, permissionCache, tokenCache } from "../caches.ts";
import type { ForgeKind } from "../forge-kind.ts";
import { gitlabClient } from "./client.ts";
import type { ObserveApiCall } from "../../ops/metrics.ts";
import { gitlabRunContext } from "./event-context.ts";
import { gitlabForge } from "./gitlab-forge.ts";
import { gitlabSteerEvent } from "./steer-event.ts";

export interface GitLabSettings {
  url: string;
  token: string;
  actionsUrl: string;
}

export function gitlabKind(settings: GitLabSettings, log: Logger, observe?: ObserveApiCall): ForgeKind {
  const host = new URL(settings.url).host;
  const client = gitlabClient({ url: settings.url, token: settings.token, observe });
  // Who the bot is, asked once per process (its own notes steer nothing); asked again after a failure.
  let username: Promise<string> | undefined;
  const botUsername = () => {
    username ??= client.Users.showCurrentUser().then(
      (user) => (user as { username: string }).username,
      (error: unknown) => {
        username = undefined;
        throw error;
      },
    );
    return username;
  };
  const forge = gitlabForge({
    client,
    botUsername,
    permissions: permissionCache(),
    // A deploy token is reused for an hour of its day.
    tokens: tokenCache(23 * 60 * 60_000),
    blobs: blobCache(),
    log: log.child({ name: "gitlab" }),
  });
  return {
    runContext: (event) => gitlabRunContext(host, event.deliveryId, event.name, event.payload),
    steerEvent: (event) => gitlabSteerEvent(host, botUsername, event.deliveryId, event.name, event.payload),
    forge: async () => forge,
    serverUrl: settings.url,
    apiUrl: `${settings.url}/api/v4`,
    actionsUrl: settings.actionsUrl,
  };
}
