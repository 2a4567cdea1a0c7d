/**
 * The floor Flotilla is held against, measured in the same run: a bare JetStream publish →
 * pull → ack round trip, and a bare process spawn.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

export async function natsRoundTrips(url: string, prefix: string, count: number): Promise<number[]> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const stream = `${prefix.toUpperCase()}_FLOOR`;
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.floor`] });
  await jsm.consumers.add(stream, { durable_name: "floor", ack_policy: AckPolicy.Explicit });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, "floor");
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await js.publish(`${prefix}.floor`, new Uint8Array([i % 256]));
    const msg = await consumer.next({ expires: 5000 });
    await msg?.ackAck();
    samples.push(performance.now() - t0);
  }
  await jsm.streams.delete(stream);
  await nc.close();
  return samples;
}

export async function spawns(count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn("true", { stdio: "ignore" });
      child.once("error", reject);
      child.once("exit", () => resolve());
    });
    samples.push(performance.now() - t0);
  }
  return samples;
}
