/**
 * Upstream's side of federation (docs/federation.md), running when the bot holds the NATS
 * authority (operator mode): the federation account pushed to the server, the federation stream
 * in it (kept 7 days), the publisher of matching deliveries, and what the commands do —
 * publish a pattern, invite a follower (its credential), revoke it (cut at once), accept its
 * results. JetStream's domain comes from the server (`jetstream { domain: … }`); without one
 * there is no federation, since a follower's leaf node could not tell the two APIs apart.
 */
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { federationFollowers, federationPublications } from "../../db/schema.ts";
import { invitationText } from "../../protocol/federation.ts";
import { checkNamespace } from "../../protocol/names.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";
import { isNotFound } from "../../protocol/setup.ts";
import { connectNats, type Bus } from "../bus/connect.ts";
import { startConsumeLoop, type ConsumeLoop } from "../bus/consume-loop.ts";
import { ensureDurableConsumer } from "../bus/durable-consumer.ts";
import { pushAccount, type NatsAuthority } from "../fleet/nats-authority.ts";
import { FOLLOW_PATTERN } from "../fleet/namespace-follows.ts";
import { federationAccount } from "./federation-account.ts";
import { inviteFollower, revokedFollowerJwt } from "./follower-account.ts";
import { publishFederated } from "./publish-federated.ts";
import { acceptResults } from "./accept-results.ts";
import type { Forges } from "../forges/forge-kind.ts";

const SEVEN_DAYS_NS = 7 * 24 * 3600 * 1e9;
const PUBLISHER = "federation";
const RESULTS = "federation-results";

export interface UpstreamDeps {
  bus: Bus;
  db: Db;
  authority: NatsAuthority;
  system: NatsConnection;
  natsUrl: string;
  forges: Forges;
  log: Logger;
}

export interface UpstreamFederation {
  domain: string;
  publish(pattern: string): Promise<Result<string>>;
  /** The credential file's text for follower `name`. */
  invite(name: string): Promise<Result<string>>;
  revoke(name: string): Promise<Result<string>>;
  accept(name: string): Promise<Result<string>>;
  js: JetStreamClient;
  close(): Promise<void>;
}

export async function startUpstreamFederation(deps: UpstreamDeps): Promise<UpstreamFederation | undefined> {
  const { bus, db, authority, log } = deps;
  const domain = (await bus.jsm.getAccountInfo()).domain;
  if (!domain) {
    log.info("NATS has no JetStream domain: federation is off (docs/federation.md)");
    return undefined;
  }
  const names = bus.names;
  const account = await federationAccount(authority, names);
  await pushAccount(deps.system, account.jwt);
  const nc = await connectNats(deps.natsUrl, "flotilla-bot-federation", account.creds);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, {
    name: names.federationStream,
    subjects: [names.federationFilter],
    max_age: SEVEN_DAYS_NS,
    duplicate_window: 2 * 60 * 1e9,
    deny_delete: true,
    deny_purge: true,
  });
  const js = jetstream(nc);
  await ensureDurableConsumer(bus, names.eventsStream, PUBLISHER, { filter_subject: names.eventsSubject("github") });
  const publisher: ConsumeLoop = await startConsumeLoop({
    consumer: await bus.js.consumers.get(names.eventsStream, PUBLISHER),
    concurrency: 16,
    maxDeliver: 10,
    log,
    handle: publishFederated({ db, js, names }),
  });

  // Followers' results: kept in Flotilla's account, shown on commits for the accepted ones.
  await ensureStream(bus.jsm, {
    name: names.federationResultsStream,
    subjects: [`${names.prefix}.federation.results.*`],
    max_age: SEVEN_DAYS_NS,
    duplicate_window: 2 * 60 * 1e9,
  });
  await ensureDurableConsumer(bus, names.federationResultsStream, RESULTS);
  const results: ConsumeLoop = await startConsumeLoop({
    consumer: await bus.js.consumers.get(names.federationResultsStream, RESULTS),
    concurrency: 16,
    maxDeliver: 10,
    log,
    handle: acceptResults({ db, forges: deps.forges, log }),
  });

  return {
    domain,
    js,
    async publish(pattern) {
      if (!FOLLOW_PATTERN.test(pattern)) return fail(`"${pattern}" is not OWNER/REPO (globs allowed: acme/*)`);
      await db.insert(federationPublications).values({ pattern }).onConflictDoNothing();
      return ok(`publishing the events of public repositories matching ${pattern}`);
    },
    async invite(name) {
      try {
        checkNamespace(name);
      } catch (error) {
        return fail((error as Error).message);
      }
      const follower = await inviteFollower(authority, names, name, account.key);
      await pushAccount(deps.system, follower.accountJwt);
      await db
        .insert(federationFollowers)
        .values({ name })
        .onConflictDoUpdate({ target: federationFollowers.name, set: { revokedAt: null } });
      const invitation = {
        upstream: domain,
        domain,
        stream: names.federationStream,
        follower: name,
        deliver: names.federationDeliver(name),
        results: names.federationResultsSubject(name),
      };
      return ok(invitationText(invitation, follower.creds));
    },
    async revoke(name) {
      const [row] = await db
        .update(federationFollowers)
        .set({ revokedAt: new Date(), accepted: false })
        .where(eq(federationFollowers.name, name))
        .returning();
      if (!row) return fail(`${name} was never invited`);
      await pushAccount(deps.system, await revokedFollowerJwt(authority, name));
      return ok(`${name} revoked: its leaf connection is closed and its credential refused`);
    },
    async accept(name) {
      const [row] = await db
        .update(federationFollowers)
        .set({ accepted: true })
        .where(eq(federationFollowers.name, name))
        .returning();
      return row ? ok(`${name}'s results now show on commits`) : fail(`${name} was never invited`);
    },
    async close() {
      await publisher.stop();
      await results.stop();
      await nc.close();
    },
  };
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }) {
  try {
    await jsm.streams.info(config.name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.streams.add(config);
  }
}
