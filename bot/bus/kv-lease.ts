/**
 * One key of an aging KV bucket (aging-bucket.ts) held by one bot at a time: `hold` takes the
 * key when it is free (`create`) or renews it when this bot has it (`update` at its revision),
 * both compare-and-swaps, so two bots never both hold it; a bot that stops renewing loses it
 * when the entry ages out. `release` lets it go at once, so a bot restarted in its place (a new
 * id) does not wait out the bucket's age before its first turn.
 */
import type { KV } from "@nats-io/kv";

export interface KvLease {
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

export function kvLease(kv: KV, key: string, holder: string): KvLease {
  return {
    async hold() {
      try {
        const entry = await kv.get(key);
        if (entry?.operation !== "PUT") {
          await kv.create(key, holder);
          return true;
        }
        if (entry.string() !== holder) return false;
        await kv.update(key, holder, entry.revision);
        return true;
      } catch {
        // Another bot wrote first, or NATS is away: not ours this time.
        return false;
      }
    },
    async release() {
      const entry = await kv.get(key).catch(() => null);
      if (entry?.operation !== "PUT" || entry.string() !== holder) return;
      await kv.delete(key, { previousSeq: entry.revision }).catch(() => {});
    },
  };
}
