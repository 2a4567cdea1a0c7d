/**
 * GitHub as a forge kind (see ../forge-kind.ts): its deliveries read by event-context.ts and
 * steer-event.ts, its clients made by the App for the run's installation.
 */
import type { ForgeKind } from "../forge-kind.ts";
import { githubRunContext } from "./event-context.ts";
import type { GitHubApp } from "./github-app.ts";
import { githubSteerEvent } from "./steer-event.ts";

export function githubKind(app: GitHubApp, urls: { serverUrl: string; apiUrl: string }): ForgeKind {
  return {
    runContext: (event) => githubRunContext(event.deliveryId, event.name, event.payload),
    steerEvent: async (event) => githubSteerEvent(event.deliveryId, event.name, event.payload),
    forge(owner) {
      if (owner.installationId == null) throw new Error("a GitHub run or event without an installation id");
      return app.forge(owner.installationId);
    },
    serverUrl: urls.serverUrl,
    apiUrl: urls.apiUrl,
  };
}
