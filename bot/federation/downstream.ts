/**
 * Downstream's side of federation (docs/federation.md): for each upstream joined, a stream
 * sourcing from upstream's federation stream across the leaf connection and JetStream domain
 * (so what upstream published while this side was down arrives when it is back), and a
 * durable consumer turning each followed push into a stored git push of this Flotilla's own
 * events stream. From there it is planned as any followed plain git repository: workflows from
 * the bot's mirror of the public clone URL, jobs in each namespace that follows the name, on
 * this side's runners. The delivery id is the head's, so an event delivered twice runs once.
 * A clone URL git cannot fetch becomes a run that names it as an infrastructure error.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { and, eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { type federationUpstreams, gitFollows } from "../../db/schema.ts";
import { FederatedEvent, federationApiPrefix } from "../../protocol/federation.ts";
import { decode } from "../../protocol/messages.ts";
import { isNotFound } from "../../protocol/setup.ts";
import type { Bus } from "../bus/connect.ts";
import { startConsumeLoop, type ConsumeLoop } from "../bus/consume-loop.ts";
import { ensureDurableConsumer } from "../bus/durable-consumer.ts";
import { GIT_PUSH, type GitPush, gitRunContext, pushDeliveryId } from "../forges/git/event-context.ts";
import { lsRemote } from "../forges/git/ls-remote.ts";
import { WORKFLOW_DIR } from "../planner/plan-event.ts";
import { upsertRun } from "../planner/store-run.ts";
import type { PublishEvent } from "../ingest/publish-event.ts";
import { matchesFilters } from "../workflows/filter-pattern.ts";

export type UpstreamRow = typeof federationUpstreams.$inferSelect;

export interface DownstreamDeps {
  bus: Bus;
  db: Db;
  publish: PublishEvent;
  log: Logger;
  /** Whether git can fetch the clone URL (default `git ls-remote`); throws with git's message. */
  reach?: (url: string) => Promise<unknown>;
}

/** Makes the sourcing stream and starts planning what it receives. */
export async function followUpstream(deps: DownstreamDeps, upstream: UpstreamRow): Promise<ConsumeLoop> {
  const { bus } = deps;
  const stream = bus.names.followedStream(upstream.name);
  try {
    await bus.jsm.streams.info(stream);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await bus.jsm.streams.add({
      name: stream,
      sources: [
        {
          name: upstream.stream,
          external: { api: federationApiPrefix(upstream.domain), deliver: upstream.deliver },
        },
      ],
      max_age: 7 * 24 * 3600 * 1e9,
    });
  }
  await ensureDurableConsumer(bus, stream, bus.names.followedConsumer);
  const log = deps.log.child({ upstream: upstream.name });
  return startConsumeLoop({
    consumer: await bus.js.consumers.get(stream, bus.names.followedConsumer),
    concurrency: 16,
    maxDeliver: 10,
    log,
    handle: (msg) => planFollowed(deps, upstream, msg, log),
  });
}

async function planFollowed(deps: DownstreamDeps, upstream: UpstreamRow, msg: JsMsg, log: Logger): Promise<void> {
  const event = decode(FederatedEvent, msg.data, "federated event");
  const name = `${event.host}/${event.repository}`;
  const [follow] = await deps.db
    .select()
    .from(gitFollows)
    .where(and(eq(gitFollows.name, name), eq(gitFollows.upstream, upstream.name)));
  if (!follow) return;
  // Pull requests and tags are published, but a followed repository runs branch pushes (as plain git does).
  if (event.kind !== "push" || !event.ref.startsWith("refs/heads/") || !event.after || /^0+$/.test(event.after)) {
    log.debug({ repo: name, kind: event.kind, ref: event.ref }, "followed event starts nothing here");
    return;
  }
  const branch = event.ref.slice("refs/heads/".length);
  if (follow.branches.length > 0 && !matchesFilters(branch, follow.branches)) return;
  if (follow.url !== event.cloneUrl) {
    await deps.db.update(gitFollows).set({ url: event.cloneUrl }).where(eq(gitFollows.name, name));
  }
  const payload: GitPush = {
    ref: event.ref,
    before: event.before ?? "0".repeat(event.after.length),
    after: event.after,
    repository: { full_name: name, clone_url: event.cloneUrl },
  };
  const deliveryId = pushDeliveryId(name, event.ref, event.after);
  try {
    await (deps.reach ?? lsRemote)(event.cloneUrl);
  } catch (error) {
    // Not the workflow's fault, nor upstream's to fix here: a run that says so, on this side's pages.
    const context = gitRunContext(deliveryId, GIT_PUSH, payload);
    const reason = `infrastructure error: cannot fetch ${event.cloneUrl}: ${(error as Error).message}`;
    if (context.ok) await upsertRun(deps.db, context.value, WORKFLOW_DIR, "infrastructure error", reason);
    log.warn({ repo: name, url: event.cloneUrl, err: error }, "followed repository unreachable");
    return;
  }
  const { duplicate } = await deps.publish({
    v: 1,
    forge: "git",
    deliveryId,
    name: GIT_PUSH,
    payload,
    receivedAt: new Date().toISOString(),
  });
  log.info({ repo: name, ref: event.ref, sha: event.after, duplicate }, "followed push stored");
}
