/**
 * Which bot polls a followed repository: the one holding its key in the git-poll KV bucket.
 * The bucket's max age is a few poll intervals (nats-server 2.9 has no per-key TTL): a bot
 * takes a free key with `create`, keeps it by `update`-ing it at its revision on each poll, and
 * a bot that stops renewing loses it when the entry ages out; then another bot's `create` wins.
 * Both writes are compare-and-swaps, so two bots never both think they hold one key.
 */
import { createHash } from "node:crypto";
import type { KV } from "@nats-io/kv";

export type PollLease = (name: string) => Promise<boolean>;

export function pollLease(kv: KV, botId: string): PollLease {
  return async (name) => {
    const key = createHash("sha256").update(name).digest("hex").slice(0, 40);
    try {
      const entry = await kv.get(key);
      if (entry?.operation !== "PUT") {
        await kv.create(key, botId);
        return true;
      }
      if (entry.string() !== botId) return false;
      await kv.update(key, botId, entry.revision);
      return true;
    } catch {
      // Another bot wrote first.
      return false;
    }
  };
}
