/**
 * A KV bucket whose entries age out (nats-server 2.9 has no per-key TTL, only the bucket's max
 * age), with one history entry: what the bots' elections use — the git poller's lease and the
 * cron slots' claims — where `create` is the compare-and-swap that lets one replica win.
 * Opened as it is when another bot made it first (perhaps with another age: its age stays).
 */
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";

export async function openAgingBucket(nc: NatsConnection, bucket: string, ttlMs: number, replicas = 1): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    return await kvm.create(bucket, { history: 1, ttl: ttlMs, replicas });
  } catch {
    return kvm.open(bucket);
  }
}
