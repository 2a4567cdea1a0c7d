import { access } from "node:fs/promises";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { sharedNatsUrl, startNatsServer, uniquePrefix, type NatsServerHandle } from "./nats-server.ts";

describe("nats-server helper", () => {
  let server: NatsServerHandle | undefined;
  afterAll(async () => server?.stop());

  it("makes NATS-safe unique prefixes", () => {
    const a = uniquePrefix();
    expect(a).toMatch(/^t_[0-9a-f]{8}$/);
    expect(uniquePrefix("my suite")).toMatch(/^my_suite_[0-9a-f]{8}$/);
    expect(uniquePrefix()).not.toBe(a);
    expect(sharedNatsUrl({})).toBe("nats://127.0.0.1:4222");
  });

  it("keeps JetStream data across SIGKILL and restart on the same port", async () => {
    server = await startNatsServer();
    const stream = `${uniquePrefix().toUpperCase()}_S`;
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    await nc.close();

    const oldPid = server.process.pid;
    server.kill("SIGKILL");
    await server.restart();
    expect(server.process.pid).not.toBe(oldPid);

    const again = await connect({ servers: server.url });
    const info = await (await jetstreamManager(again)).streams.info(stream);
    expect(info.config.name).toBe(stream);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    await again.close();

    await server.stop();
    await expect(access(server.storeDir)).rejects.toThrow();
    expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true);
  });
});
