/**
 * What the built-in action suites share: the steps harness of a suite whose actions keep
 * archives in the object stores, made once the harness is open and removed before it closes —
 * the harness removes only its streams and labelsets (the end-to-end suite removes them too).
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsNames } from "../../../../protocol/names.ts";
import { ensureObjectStores } from "../../../../protocol/object-stores.ts";
import { stepsSuite, type StepsHarness } from "../../steps-support.ts";

export async function dropObjectStores(jsm: JetStreamManager, names: NatsNames): Promise<void> {
  for (const bucket of [names.artifactsBucket, names.cacheBucket])
    await jsm.streams.delete(`OBJ_${bucket}`).catch(() => undefined);
}

export function storesSuite(): StepsHarness {
  return stepsSuite(
    { "README.md": "hello\n" },
    {
      setUp: ({ bus }) => ensureObjectStores(bus.nc, bus.names).then(() => undefined),
      tearDown: ({ bus }) => dropObjectStores(bus.jsm, bus.names),
    },
  );
}
