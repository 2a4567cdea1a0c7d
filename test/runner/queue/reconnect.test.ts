import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { startNatsServer, type NatsServerHandle } from "../../helpers/nats-server.ts";
import { repoSuite } from "../repo-suite.ts";
import { openBus, randomId } from "../support.ts";

// A private server: this suite restarts it under the runner. Started before the suite's bus
// opens, stopped after it closes (after-hooks run in reverse order).
let server: NatsServerHandle;
beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.stop();
});
const suite = repoSuite({ "README.md": "reconnect\n" }, { openBus: () => openBus(undefined, server.url) });

async function retry<T>(action: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

describe("a runner across a NATS restart", () => {
  it("keeps following labelsets and pulling jobs after reconnecting", async () => {
    const namespace = randomId("ns");
    await suite.bus.addLabelset(namespace, ["self-hosted"]);
    const runner = await suite.bus.startRunner({ namespace });
    const before = await suite.publish(namespace, { steps: [{ name: "Run", run: "echo before" }] });
    expect((await suite.bus.reports.completed(before)).conclusion).toBe("success");

    await server.restart();
    // A labelset that appears after the restart must be seen through the re-established watch.
    // The stand-in bot reconnects too; its first requests may time out while it does.
    await retry(() => suite.bus.addLabelset(namespace, ["self-hosted", "linux"]));
    const after = await suite.publish(namespace, {
      labels: ["self-hosted", "linux"],
      steps: [{ name: "Run", run: "echo after" }],
    });
    const again = await suite.publish(namespace, { steps: [{ name: "Run", run: "echo again" }] });
    // Pull requests do not survive a restart; the client notices within one expiry at worst.
    expect((await suite.bus.reports.completed(after, 45_000)).conclusion).toBe("success");
    expect((await suite.bus.reports.completed(again, 45_000)).conclusion).toBe("success");
    await runner.stop();
  }, 120_000);
});
