/**
 * Downstream: a finished run of a repository followed through an upstream goes back to it, on
 * the results subject the invitation named (the follower's own: upstream's server lets it
 * publish no other). A JetStream publish, so upstream's results stream acknowledges it; when
 * upstream cannot be reached the result is logged and not sent — runs and pages here are whole.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { federationUpstreams } from "../../db/schema.ts";
import { FederatedResult } from "../../protocol/federation.ts";

export interface SendResultDeps {
  db: Db;
  js: JetStreamClient;
  log: Logger;
}

export function resultSender(deps: SendResultDeps) {
  return async (
    upstream: string,
    name: string,
    sha: string,
    result: { namespace: string; name: string; state: string; url: string },
  ): Promise<void> => {
    const [row] = await deps.db.select().from(federationUpstreams).where(eq(federationUpstreams.name, upstream));
    if (!row) return;
    const cut = name.indexOf("/");
    const message = FederatedResult.safeParse({
      v: 1,
      host: name.slice(0, cut),
      repository: name.slice(cut + 1),
      sha,
      // The commit status's context names the workflow under Flotilla's prefix (`flotilla/ci`).
      workflow: result.name.replace(/^flotilla\//, ""),
      namespace: result.namespace,
      state: result.state,
      url: result.url,
    });
    if (!message.success) return;
    try {
      await deps.js.publish(row.resultsSubject, JSON.stringify(message.data), {
        msgID: `${sha}:${result.namespace}:${result.name}:${result.state}`,
        timeout: 5_000,
      });
    } catch (error) {
      deps.log.warn({ err: error, upstream, repo: name, sha }, "run result not sent upstream");
    }
  };
}
