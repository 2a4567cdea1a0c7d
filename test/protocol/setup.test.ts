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

  // Each stream is read by name: listing pages by offset, and other suites deleting their
  // streams on the shared server meanwhile would shift a page past one of ours.
  const subjectsOf = async (ns: string) =>
    (await managers[0]!.streams.info(names.advisoriesStream(ns)).catch(() => undefined))?.config.subjects ?? [];
  const kept = await Promise.all(namespaces.map(async (ns) => [ns, await subjectsOf(ns)] as const));
  const missing = kept
    .filter(([ns, subjects]) => !subjects.includes(names.maxDeliveriesAdvisory(names.jobsStream(ns))))
    .map(([ns]) => ns);
  expect(missing).toEqual([]);
});
