/**
 * Upstream: followers' run summaries, kept by the results stream (Flotilla's account; each
 * follower can publish only on the subject with its own name), shown on the commit as a check
 * run "NAME: workflow [namespace]" (the status context names the namespace) — neutral: a follower's result informs, it never fails a commit — linking
 * to the follower's page, when upstream accepted that follower (`flotilla federation accept`).
 * A result of a follower not accepted, or revoked, or of a commit upstream never planned, is dropped.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { and, eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { federationFollowers, runs } from "../../db/schema.ts";
import { FederatedResult } from "../../protocol/federation.ts";
import { decode } from "../../protocol/messages.ts";
import type { Forges } from "../forges/forge-kind.ts";
import { repoRef } from "../runs/repo-ref.ts";

export interface AcceptResultsDeps {
  db: Db;
  forges: Forges;
  log: Logger;
}

export function acceptResults(deps: AcceptResultsDeps): (msg: JsMsg) => Promise<void> {
  return async (msg) => {
    const follower = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
    const result = decode(FederatedResult, msg.data, "federated result");
    const [row] = await deps.db.select().from(federationFollowers).where(eq(federationFollowers.name, follower));
    if (!row?.accepted || row.revokedAt) {
      deps.log.debug({ follower, repo: result.repository }, "result of a follower not accepted dropped");
      return;
    }
    const [run] = await deps.db
      .select({ forge: runs.forge, installationId: runs.installationId })
      .from(runs)
      .where(and(eq(runs.repository, result.repository), eq(runs.sha, result.sha)))
      .limit(1);
    if (!run) return;
    const forge = await deps.forges.forgeOf({ forge: run.forge as "github", installationId: run.installationId });
    await forge.createCheck(repoRef(result.repository), {
      name: `${follower}: ${result.workflow}`,
      headSha: result.sha,
      detailsUrl: result.url,
      externalId: `federation:${follower}:${result.namespace}:${result.workflow}`,
      status: "completed",
      conclusion: "neutral",
      output: {
        title: `${follower} (${result.namespace}): ${result.state}`,
        summary: `Run by follower ${follower} in its namespace ${result.namespace}: ${result.state}. [Its page](${result.url})`,
      },
    });
  };
}
