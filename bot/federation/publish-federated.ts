/**
 * Upstream: every stored delivery of a repository matching a `flotilla federation publish`
 * pattern goes, reduced (reduce-event.ts), into the federation stream, read from the events
 * stream by a durable consumer of its own so publishing never waits on planning and a bot that
 * was down publishes what it missed. The message id is the delivery's, so a redelivery is one.
 */
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Db } from "../../db/client.ts";
import { federationPublications } from "../../db/schema.ts";
import { decode, ForgeEvent } from "../../protocol/messages.ts";
import type { NatsNames } from "../../protocol/names.ts";
import { followsRepository } from "../fleet/namespace-follows.ts";
import { reduceEvent } from "./reduce-event.ts";

export interface PublishFederatedDeps {
  db: Db;
  /** A JetStream client in the federation account. */
  js: JetStreamClient;
  names: NatsNames;
}

export function publishFederated(deps: PublishFederatedDeps): (msg: JsMsg) => Promise<void> {
  return async (msg) => {
    const reduced = reduceEvent(decode(ForgeEvent, msg.data, "forge event"));
    if (!reduced) return;
    const patterns = (await deps.db.select().from(federationPublications)).map((row) => row.pattern);
    if (!patterns.some((pattern) => followsRepository([pattern], reduced.repository))) return;
    const [owner = "", name = ""] = reduced.repository.split("/");
    await deps.js.publish(deps.names.federationSubject(reduced.host, owner, name), JSON.stringify(reduced), {
      msgID: reduced.id,
    });
  };
}
