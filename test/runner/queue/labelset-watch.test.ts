/**
 * The labelsets watch stops when asked, whenever that is — also while it is still opening its
 * KV watch, which is when `flotilla dev` stops a runner that a Ctrl-C caught starting (the
 * process used to hang there, its watch opened after the stop and never ended). Real NATS.
 */
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsNames } from "../../../protocol/names.ts";
import { watchLabelsets } from "../../../runner/queue/labelset-watch.ts";
import { testLogger } from "../../helpers/flotilla.ts";
import { deleteStreamsOf } from "../../helpers/nats-cleanup.ts";
import { sharedNatsUrl, uniquePrefix } from "../../helpers/nats-server.ts";

const prefix = uniquePrefix("watch");
const names = natsNames(prefix);
let nc: Awaited<ReturnType<typeof connect>>;

beforeAll(async () => {
  nc = await connect({ servers: sharedNatsUrl() });
  await new Kvm(nc).create(names.labelsetsBucket);
});

afterAll(async () => {
  await nc?.close();
  await deleteStreamsOf(sharedNatsUrl(), prefix).catch(() => {});
});

const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then(() => "stopped"),
    new Promise((resolve) => setTimeout(() => resolve("still running"), ms)),
  ]);

describe("the labelsets watch", () => {
  it("stops when stopped before its watch has opened, and when stopped while watching", async () => {
    const options = { nc, names, namespace: "default", labels: ["self-hosted"], logger: testLogger(), onEntry() {} };
    const early = watchLabelsets(options);
    expect(await within(early.stop(), 5_000)).toBe("stopped");
    const late = watchLabelsets(options);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await within(late.stop(), 5_000)).toBe("stopped");
  });
});
