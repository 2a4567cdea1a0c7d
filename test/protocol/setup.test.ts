/**
 * Stream setup under concurrency: planners in several bot processes create namespaces at the
 * same moment, and every namespace's MAX_DELIVERIES advisories must still be kept somewhere a
 * bot reads them. Real NATS, one connection per "bot".
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { natsNames } from "../../protocol/names.ts";
import { ensureJobsStream } from "../../protocol/setup.ts";
import { deleteStreamsOf } from "../helpers/nats-cleanup.ts";
import { sharedNatsUrl, uniquePrefix } from "../helpers/nats-server.ts";

const prefix = uniquePrefix("setup");
const names = natsNames(prefix);
const connections: NatsConnection[] = [];

beforeAll(async () => {
  for (let i = 0; i < 6; i++) connections.push(await connect({ servers: sharedNatsUrl() }));
});

afterAll(async () => {
  await Promise.all(connections.map((nc) => nc.close()));
  await deleteStreamsOf(sharedNatsUrl(), prefix);
});

it("30 namespaces created at once by 6 bots: each namespace's advisories are kept by a stream", async () => {
  const managers = await Promise.all(connections.map((nc) => jetstreamManager(nc)));
  const namespaces = Array.from({ length: 30 }, (_, i) => `lab-${i}`);
  await Promise.all(namespaces.map((ns, i) => ensureJobsStream(managers[i % managers.length]!, names, ns)));

  const kept = new Set<string>();
  for await (const info of managers[0]!.streams.list())
    for (const subject of info.config.subjects ?? []) kept.add(subject);
  const missing = namespaces.filter((ns) => !kept.has(names.maxDeliveriesAdvisory(names.jobsStream(ns))));
  expect(missing).toEqual([]);
});
