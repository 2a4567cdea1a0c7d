/**
 * What the built-in action suites share: removing the object stores a suite's prefix made
 * (the runner harness removes only its streams and labelsets).
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "../../../../protocol/names.ts";

export async function dropObjectStores(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  for (const bucket of [names.artifactsBucket, names.cacheBucket])
    await jsm.streams.delete(`OBJ_${bucket}`).catch(() => undefined);
}
