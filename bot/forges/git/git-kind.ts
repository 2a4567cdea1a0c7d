/**
 * Plain git as a forge kind (see ../forge-kind.ts): repositories followed with no webhook and
 * no App (docs/follow-git.md), their pushes found by the poller, their files read from the
 * bot's mirrors under DATA_DIR/git-mirrors, their results written as git notes. A plain git
 * server has no web pages or API: jobs see the bot's address as `github.server_url`, and fetch
 * `uses:` actions from GIT_ACTIONS_URL (github.com unless told).
 */
import { join } from "node:path";
import type { Logger } from "pino";
import type { Db } from "../../../db/client.ts";
import { fail } from "../../../protocol/result.ts";
import type { ForgeKind } from "../forge-kind.ts";
import { gitRunContext } from "./event-context.ts";
import { findFollow } from "./follows-store.ts";
import { gitForge } from "./git-forge.ts";
import { gitMirrors } from "./mirror.ts";

export interface GitKindSettings {
  db: Db;
  dataDir: string;
  publicUrl: string;
  actionsUrl: string;
  log: Logger;
  /** Sends a finished run of a repository followed through `upstream` back to it (docs/federation.md). */
  federatedResult?: (
    upstream: string,
    name: string,
    sha: string,
    result: { namespace: string; name: string; state: string; url: string },
  ) => Promise<void>;
}

export function gitKind(settings: GitKindSettings): ForgeKind {
  const mirrors = gitMirrors(join(settings.dataDir, "git-mirrors"));
  const forge = gitForge({
    async followed(name) {
      const follow = await findFollow(settings.db, name);
      if (!follow) return undefined;
      const upstream = follow.upstream;
      // A repository followed through federation is not ours to write notes into: results go back upstream.
      if (upstream) {
        const send = settings.federatedResult;
        return { url: follow.url, onRunResult: send && ((sha, result) => send(upstream, name, sha, result)) };
      }
      return { url: follow.url, resultsUrl: follow.resultsRepo ?? follow.url };
    },
    mirror: mirrors,
    log: settings.log.child({ name: "git" }),
  });
  return {
    runContext: (event) => gitRunContext(event.deliveryId, event.name, event.payload),
    steerEvent: async () => fail("a plain git repository has no comments or buttons to steer runs"),
    forge: async () => forge,
    serverUrl: settings.publicUrl,
    apiUrl: `${settings.publicUrl}/api/v1`,
    actionsUrl: settings.actionsUrl,
  };
}
