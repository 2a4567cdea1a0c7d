/**
 * The NATS layout federation stands on, proven on two real nats-servers joined by a leaf node
 * before any Flotilla code uses it: upstream's federation stream in a federation account, a
 * follower account that imports only what stream sourcing and its results need, and
 * downstream's stream that sources from upstream's across the JetStream domain — catching up
 * after being down, once each. Every denial is the servers' own behaviour, over the leaf
 * connection itself: downstream's clients speak through downstream's server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { federationAccount } from "../../bot/federation/federation-account.ts";
import { inviteFollower, revokedFollowerJwt } from "../../bot/federation/follower-account.ts";
import { pushAccount } from "../../bot/fleet/nats-authority.ts";
import { federationApiPrefix } from "../../protocol/federation.ts";
import { natsNames } from "../../protocol/names.ts";
import { credentialsOption } from "../../protocol/credentials.ts";
import { startDownstreamNats, startUpstreamNats, type Upstream } from "../helpers/federation-nats.ts";
import type { NatsServerHandle } from "../helpers/nats-server.ts";
import { until } from "../helpers/until.ts";

const names = natsNames("flotilla");
const WIDGETS = names.federationSubject("github.example.com", "acme", "widgets");
let dir: string;
let upstream: Upstream;
let downstream: NatsServerHandle;
/** Upstream: Flotilla's account (the bot), the federation account, the system account. */
let bot: NatsConnection;
let fed: NatsConnection;
let system: NatsConnection;
let down: NatsConnection;
let followerCreds: string;

const followed = names.followedStream("up");

async function followedSubjects(): Promise<string[]> {
  const jsm = await jetstreamManager(down);
  const info = await jsm.streams.info(followed);
  const subjects: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const message = await jsm.streams.getMessage(followed, { seq });
    if (message) subjects.push(message.string());
  }
  return subjects;
}

async function messages(jsm: JetStreamManager, stream: string): Promise<number> {
  return (await jsm.streams.info(stream)).state.messages;
}

/** What `sub` has collected so far. */
function collect(sub: Subscription): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const m of sub) seen.push(m.subject);
  })();
  return seen;
}

/** A results message from downstream reaching upstream: everything downstream sent before it has been dealt with. */
async function roundTrip(marker: string): Promise<void> {
  const sub = bot.subscribe(names.federationResultsSubject("lab"), { max: 1 });
  await bot.flush();
  const got = (async () => {
    for await (const m of sub) return m.string();
  })();
  await until(
    async () => {
      down.publish(names.federationResultsSubject("lab"), marker);
      return Promise.race([got, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
    },
    30_000,
    "a results message across the leaf connection",
  );
}

async function connectDown(): Promise<void> {
  downstream = await startDownstreamNats(upstream.leafUrl, followerCreds, dir);
  down = await connect({ servers: downstream.url });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-fed-layout-"));
  upstream = await startUpstreamNats(join(dir, "auth"), "flotilla");
  bot = await connect({ servers: upstream.nats.url, ...credentialsOption(upstream.authority.botCreds) });
  system = await connect({ servers: upstream.nats.url, ...credentialsOption(upstream.authority.systemCreds) });
  const account = await federationAccount(upstream.authority, names);
  await pushAccount(system, account.jwt);
  fed = await connect({ servers: upstream.nats.url, ...credentialsOption(account.creds) });
  await (await jetstreamManager(fed)).streams.add({
    name: names.federationStream,
    subjects: [names.federationFilter],
    max_age: 7 * 24 * 3600 * 1e9,
    deny_delete: true,
    deny_purge: true,
  });
  // What a follower must never reach: Flotilla's own streams, buckets and object stores.
  const jsm = await jetstreamManager(bot);
  await jsm.streams.add({ name: names.eventsStream, subjects: [names.eventsFilter] });
  await jsm.streams.add({ name: names.jobsStream("lab"), subjects: [names.jobsFilter("lab")] });
  const kv = await new Kvm(bot).create(names.labelsetsBucket);
  await kv.put("lab.x", "upstream's");
  const follower = await inviteFollower(upstream.authority, names, "lab", account.key);
  await pushAccount(system, follower.accountJwt);
  followerCreds = follower.creds;
  await connectDown();
  await (await jetstreamManager(down)).streams.add({
    name: followed,
    sources: [
      {
        name: names.federationStream,
        external: { api: federationApiPrefix("up"), deliver: names.federationDeliver("lab") },
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([bot?.close(), fed?.close(), system?.close(), down?.close()]);
  await Promise.allSettled([downstream?.stop(), upstream?.nats.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe("federation layout on nats-server 2.9", () => {
  it("sources upstream's published events into downstream's stream across the leaf connection", async () => {
    await jetstream(fed).publish(WIDGETS, "push 1", { msgID: "e1" });
    await until(async () => (await followedSubjects()).length === 1, 30_000, "the first event downstream");
    expect(await followedSubjects()).toEqual(["push 1"]);
  });

  it("catches up on what was published while downstream was down, each event once", async () => {
    await down.close();
    const exited = new Promise((resolve) => downstream.process.once("exit", resolve));
    downstream.kill("SIGTERM");
    await exited;
    for (const n of [2, 3, 4]) await jetstream(fed).publish(WIDGETS, `push ${n}`, { msgID: `e${n}` });
    await downstream.restart();
    down = await connect({ servers: downstream.url });
    await until(async () => (await followedSubjects()).length >= 4, 30_000, "the three events sent while down");
    await roundTrip("settled");
    expect(await followedSubjects()).toEqual(["push 1", "push 2", "push 3", "push 4"]);
  });

  it("carries nothing from downstream into upstream's streams and buckets", async () => {
    const jsm = await jetstreamManager(bot);
    const fedJsm = await jetstreamManager(fed);
    const federationBefore = await messages(fedJsm, names.federationStream);
    down.publish(names.eventsSubject("github"), "forged delivery");
    down.publish(WIDGETS, "forged federation event");
    down.publish(names.jobsSubject("lab", "x"), "forged job");
    down.publish("$KV.flotilla-labelsets.lab.x", "downstream's");
    down.publish("$O.flotilla-artifacts.C.x", "forged chunk");
    await roundTrip("after the forgeries");
    expect(await messages(jsm, names.eventsStream)).toBe(0);
    expect(await messages(jsm, names.jobsStream("lab"))).toBe(0);
    expect(await messages(fedJsm, names.federationStream)).toBe(federationBefore);
    expect((await (await new Kvm(bot).open(names.labelsetsBucket)).get("lab.x"))?.string()).toBe("upstream's");
  });

  it("answers no JetStream API of upstream but creating a consumer on the federation stream", async () => {
    const api = federationApiPrefix("up");
    for (const subject of [
      `${api}.STREAM.INFO.${names.eventsStream}`,
      `${api}.STREAM.NAMES`,
      `${api}.CONSUMER.CREATE.${names.jobsStream("lab")}`,
      `${api}.CONSUMER.MSG.NEXT.${names.jobsStream("lab")}.any`,
      `${api}.DIRECT.GET.KV_${names.labelsetsBucket}.$KV.${names.labelsetsBucket}.lab.x`,
      `${api}.STREAM.PURGE.${names.federationStream}`,
      `${api}.STREAM.DELETE.${names.federationStream}`,
    ]) {
      // Nothing upstream answers: no responders, or no reply at all.
      await expect(down.request(subject, "{}", { timeout: 2_000 }), subject).rejects.toThrow(
        /503|no responders|timeout/i,
      );
    }
    const created = await down.request(
      `${api}.CONSUMER.CREATE.${names.federationStream}`,
      JSON.stringify({
        stream_name: names.federationStream,
        config: { deliver_subject: names.federationDeliver("lab") + ".probe", ack_policy: "none" },
      }),
      { timeout: 5_000 },
    );
    expect(JSON.parse(created.string())).toMatchObject({ type: "io.nats.jetstream.api.v1.consumer_create_response" });
  });

  it("delivers to a subject of the follower's choosing only inside the federation account", async () => {
    const api = federationApiPrefix("up");
    const inside = collect(fed.subscribe(names.eventsSubject("github")));
    await fed.flush();
    const answer = await down.request(
      `${api}.CONSUMER.CREATE.${names.federationStream}`,
      JSON.stringify({
        stream_name: names.federationStream,
        config: { deliver_subject: names.eventsSubject("github"), ack_policy: "none", deliver_policy: "all" },
      }),
      { timeout: 5_000 },
    );
    expect(JSON.parse(answer.string()).config?.deliver_subject).toBe(names.eventsSubject("github"));
    await until(async () => inside.length > 0, 10_000, "the redirected deliveries inside the federation account");
    await roundTrip("after the redirected consumer");
    expect(await messages(await jetstreamManager(bot), names.eventsStream)).toBe(0);
  });

  it("shows downstream none of upstream's subjects but the follower's own deliveries", async () => {
    const events = collect(down.subscribe(names.eventsFilter));
    const jobs = collect(down.subscribe("flotilla.jobs.>"));
    const kv = collect(down.subscribe("$KV.>"));
    const others = collect(down.subscribe("flotilla.federation.deliver.other.>"));
    await down.flush();
    await roundTrip("subscriptions propagated");
    await jetstream(bot).publish(names.eventsSubject("github"), "private delivery");
    await jetstream(bot).publish(names.jobsSubject("lab", "x"), "a job");
    await (await new Kvm(bot).open(names.labelsetsBucket)).put("lab.y", "upstream's");
    bot.publish("flotilla.federation.deliver.other.x", "another follower's");
    await jetstream(fed).publish(WIDGETS, "push 5", { msgID: "e5" });
    await until(async () => (await followedSubjects()).includes("push 5"), 30_000, "the marker event");
    expect({ events, jobs, kv, others }).toEqual({ events: [], jobs: [], kv: [], others: [] });
  });

  it("lets the follower speak only as itself on the results subject", async () => {
    const other = collect(bot.subscribe(names.federationResultsSubject("other")));
    await bot.flush();
    down.publish(names.federationResultsSubject("other"), "forged result");
    await roundTrip("own result");
    expect(other).toEqual([]);
  });

  it("refuses the follower's credential on upstream's client port", async () => {
    await expect(
      connect({ servers: upstream.nats.url, reconnect: false, ...credentialsOption(followerCreds) }),
    ).rejects.toThrow(/authorization/i);
  });

  it("cuts the leaf connection at once when the follower is revoked", async () => {
    const leafs = async () => {
      const reply = await system.request("$SYS.REQ.SERVER.PING.LEAFZ", "{}", { timeout: 5_000 });
      return (JSON.parse(reply.string()).data?.leafs ?? []) as unknown[];
    };
    expect(await leafs()).toHaveLength(1);
    await pushAccount(system, await revokedFollowerJwt(upstream.authority, "lab"));
    await until(async () => (await leafs()).length === 0, 10_000, "the leaf connection to close");
  });
});
