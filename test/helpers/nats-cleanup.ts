/**
 * Suites and the bench share the machine's NATS server, each under a prefix of its own; this
 * removes what a prefix created (its streams and KV buckets) so runs do not pile up on disk.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

export async function deleteStreamsOf(url: string, prefix: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const upper = prefix.toUpperCase().replace(/-/g, "_");
    const doomed: string[] = [];
    for await (const info of jsm.streams.list()) {
      const name = info.config.name;
      if (name.startsWith(`${upper}_`) || name.startsWith(`KV_${prefix}-`) || name.startsWith(`OBJ_${prefix}-`))
        doomed.push(name);
    }
    for (const name of doomed) await jsm.streams.delete(name);
    return doomed.length;
  } finally {
    await nc.close();
  }
}
