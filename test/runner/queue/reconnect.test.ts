import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRepo } from "../../helpers/git-repo.ts";
import { startNatsServer, type NatsServerHandle } from "../../helpers/nats-server.ts";
import { buildJob, openBus, randomId, type Bus } from "../support.ts";

// A private server: this suite restarts it under the runner.
let server: NatsServerHandle;
let bus: Bus;
let repoDir: string;
let sha: string;

beforeAll(async () => {
  server = await startNatsServer();
  bus = await openBus(undefined, server.url);
  repoDir = await mkdtemp(join(tmpdir(), "flotilla-repo-"));
  ({ sha } = await createRepo(repoDir, { "README.md": "reconnect\n" }));
});

afterAll(async () => {
  await bus?.close();
  await server?.stop();
  await rm(repoDir, { recursive: true, force: true });
});

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
    await bus.addLabelset(namespace, ["self-hosted"]);
    const runner = await bus.startRunner({ namespace });
    const before = randomId("exec-");
    await bus.publishJob(
      buildJob({
        executions: { [namespace]: before },
        cloneUrl: `file://${repoDir}`,
        sha,
        steps: [{ name: "Run", run: "echo before" }],
      }),
    );
    expect((await bus.reports.completed(before)).conclusion).toBe("success");

    await server.restart();
    // A labelset that appears after the restart must be seen through the re-established watch.
    // The stand-in bot reconnects too; its first requests may time out while it does.
    await retry(() => bus.addLabelset(namespace, ["self-hosted", "linux"]));
    const after = randomId("exec-");
    await bus.publishJob(
      buildJob({
        executions: { [namespace]: after },
        labels: ["self-hosted", "linux"],
        cloneUrl: `file://${repoDir}`,
        sha,
        steps: [{ name: "Run", run: "echo after" }],
      }),
    );
    const again = randomId("exec-");
    await bus.publishJob(
      buildJob({
        executions: { [namespace]: again },
        cloneUrl: `file://${repoDir}`,
        sha,
        steps: [{ name: "Run", run: "echo again" }],
      }),
    );
    // Pull requests do not survive a restart; the client notices within one expiry at worst.
    expect((await bus.reports.completed(after, 45_000)).conclusion).toBe("success");
    expect((await bus.reports.completed(again, 45_000)).conclusion).toBe("success");
    await runner.stop();
  }, 120_000);
});
