/**
 * Which bot polls a followed repository: the one holding its key in the git-poll KV bucket.
 * The bucket's max age is a few poll intervals (nats-server 2.9 has no per-key TTL): a bot
 * takes a free key, keeps it by renewing it on each poll, and a bot that stops renewing loses
 * it when the entry ages out; then another bot takes it. The key's lease is bot/bus/kv-lease.ts
 * (compare-and-swaps, so two bots never both think they hold one key), handed in by start-bot.
 */
import { createHash } from "node:crypto";

export type PollLease = (name: string) => Promise<boolean>;

/** `leaseOf`: this bot's lease on one key of the bucket. */
export function pollLease(leaseOf: (key: string) => { hold(): Promise<boolean> }): PollLease {
  return (name) => leaseOf(createHash("sha256").update(name).digest("hex").slice(0, 40)).hold();
}
