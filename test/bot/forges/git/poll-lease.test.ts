/**
 * One bot polls each followed repository: the poll lease in a KV bucket (nats-server 2.9, no
 * per-key TTL) is taken by one bot's `create`, kept by its `update`s, refused to every other
 * bot while it is renewed, and taken over once the holder stops renewing and the entry ages out.
 * Real nats-server.
 */
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { openAgingBucket } from "../../../../bot/bus/aging-bucket.ts";
import { kvLease } from "../../../../bot/bus/kv-lease.ts";
import { pollLease } from "../../../../bot/forges/git/poll-lease.ts";
import { deleteStreamsOf } from "../../../helpers/nats-cleanup.ts";
import { sharedNatsUrl, uniquePrefix } from "../../../helpers/nats-server.ts";
import { until } from "../../../helpers/until.ts";

const prefix = uniquePrefix("git-lease");

afterAll(async () => {
  await deleteStreamsOf(sharedNatsUrl(), prefix);
});

describe("pollLease", { timeout: 60_000 }, () => {
  it("lets one bot hold a repository's lease and another take it once it lapses", async () => {
    const nc = await connect({ servers: sharedNatsUrl() });
    try {
      const kv = await openAgingBucket(nc, `${prefix}-git-poll`, 2_000);
      const one = pollLease((key) => kvLease(kv, key, "bot-1"));
      const two = pollLease((key) => kvLease(kv, key, "bot-2"));
      const both = async (name: string) => Promise.all([one(name), two(name)]);
      const first = await both("git.local/a");
      expect(first.filter(Boolean)).toHaveLength(1);
      const [holder, other] = first[0] ? [one, two] : [two, one];
      // Renewed: the holder keeps it, the other is refused.
      for (let i = 0; i < 3; i++) {
        expect(await holder("git.local/a")).toBe(true);
        expect(await other("git.local/a")).toBe(false);
      }
      // Another repository is a lease of its own.
      expect(await other("git.local/b")).toBe(true);
      // The holder stops renewing: once the entry ages out, the other bot takes it.
      await until(() => other("git.local/a"), 30_000, "the lapsed lease taken over", 250);
      expect(await holder("git.local/a")).toBe(false);
    } finally {
      await nc.close();
    }
  });
});
