/**
 * The KV lease one replica holds at a time (the lost-webhook round's turn): of two bots asking
 * at once exactly one holds it, renewing keeps it, releasing it lets the other take it at once
 * — what a restarted bot (a new id) relies on, instead of waiting out the bucket's long age —
 * and a bot that does not hold it cannot release it. Real nats-server.
 */
import { connect } from "@nats-io/transport-node";
import { afterAll, expect, it } from "vitest";
import { openAgingBucket } from "../../../bot/bus/aging-bucket.ts";
import { kvLease } from "../../../bot/bus/kv-lease.ts";
import { deleteStreamsOf } from "../../helpers/nats-cleanup.ts";
import { sharedNatsUrl, uniquePrefix } from "../../helpers/nats-server.ts";

const prefix = uniquePrefix("kv-lease");

afterAll(async () => {
  await deleteStreamsOf(sharedNatsUrl(), prefix);
});

it("is held by one bot at a time and handed over at once when released", async () => {
  const nc = await connect({ servers: sharedNatsUrl() });
  try {
    // An hour's age: only a release hands the lease over within this test.
    const kv = await openAgingBucket(nc, `${prefix}-webhook-recovery`, 3_600_000);
    const one = kvLease(kv, "lease", "bot-1");
    const two = kvLease(kv, "lease", "bot-2");
    const first = await Promise.all([one.hold(), two.hold()]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const [holder, other] = first[0] ? [one, two] : [two, one];
    expect(await holder.hold()).toBe(true);
    expect(await other.hold()).toBe(false);
    // Not the holder: its release changes nothing.
    await other.release();
    expect(await other.hold()).toBe(false);
    await holder.release();
    expect(await other.hold()).toBe(true);
    expect(await holder.hold()).toBe(false);
  } finally {
    await nc.close();
  }
});
