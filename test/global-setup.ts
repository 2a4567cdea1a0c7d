/**
 * Before the suites run: remove what earlier runs left on the shared NATS server (streams and
 * KV buckets under test and bench prefixes) — suites that crashed never cleaned up. Only what
 * is more than an hour old goes, so a run in progress beside this one is left alone.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { sharedNatsUrl } from "./helpers/nats-server.ts";

const LEFTOVER = /^(KV_|OBJ_)?(t|e2e|cli|bench)_[0-9a-f]{8}[_-]/i;
const HOUR_MS = 60 * 60 * 1000;

export default async function setup(): Promise<void> {
  let nc: Awaited<ReturnType<typeof connect>>;
  try {
    nc = await connect({ servers: sharedNatsUrl(), reconnect: false, timeout: 2000 });
  } catch {
    return; // No shared server: the suites that need it will say so.
  }
  try {
    const jsm = await jetstreamManager(nc);
    const doomed: string[] = [];
    for await (const info of jsm.streams.list()) {
      if (LEFTOVER.test(info.config.name) && Date.now() - Date.parse(info.created) > HOUR_MS)
        doomed.push(info.config.name);
    }
    for (const name of doomed) await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}
