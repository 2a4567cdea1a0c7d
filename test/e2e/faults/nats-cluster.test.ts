/**
 * NATS_REPLICAS=3 on a real 3-node nats-server cluster: one node killed while jobs run loses
 * no job and runs none twice; the bot and runners reconnect to the nodes left by themselves.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlotilla, type Flotilla } from "../../helpers/flotilla.ts";
import { freePort } from "../../helpers/free-port.ts";
import { startNatsServer, type NatsServerHandle } from "../../helpers/nats-server.ts";
import { until } from "../../helpers/until.ts";

const JOBS = 60;

async function startCluster(): Promise<NatsServerHandle[]> {
  const routes = await Promise.all([freePort(), freePort(), freePort()]);
  const routeUrls = routes.map((port) => `nats://127.0.0.1:${port}`).join(",");
  // All at once: a JetStream cluster answers only once a majority of its nodes is up.
  return Promise.all(
    routes.map((port, i) =>
      startNatsServer({
        args: [
          "-n",
          `node${i}`,
          "--cluster_name",
          "flotilla",
          "--cluster",
          `nats://127.0.0.1:${port}`,
          "--routes",
          routeUrls,
        ],
      }),
    ),
  );
}

describe("a NATS cluster with NATS_REPLICAS=3", () => {
  let nodes: NatsServerHandle[] = [];
  let f: Flotilla;
  const sharedUrl = process.env.NATS_URL;
  beforeAll(async () => {
    nodes = await startCluster();
    process.env.NATS_URL = nodes[0]!.url;
    f = await startFlotilla({ env: { NATS_REPLICAS: "3", JOB_LEASE_SECONDS: "10" } });
    for (const name of ["r1", "r2", "r3"]) await f.startRunner({ name, config: { concurrency: 4 } });
  }, 120_000);
  afterAll(async () => {
    if (sharedUrl === undefined) delete process.env.NATS_URL;
    else process.env.NATS_URL = sharedUrl;
    await f?.close();
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it("makes every stream with three replicas, and loses and repeats no job when a node dies", {
    timeout: 300_000,
  }, async () => {
    const streams = await f.bot.bus.jsm.streams.list().next();
    const ours = streams.filter(
      (s) => s.config.name.includes(f.prefix) || s.config.name.startsWith("KV_") || s.config.name.startsWith("OBJ_"),
    );
    expect(ours.length).toBeGreaterThan(3);
    for (const stream of ours)
      expect([stream.config.name, stream.config.num_replicas]).toEqual([stream.config.name, 3]);

    const legs = Array.from({ length: JOBS }, (_, i) => i + 1).join(", ");
    const workflow = `name: CI\non: push\njobs:\n  leg:\n    runs-on: self-hosted\n    strategy:\n      matrix:\n        i: [${legs}]\n    steps:\n      - run: sleep 1\n`;
    const { sha } = await f.pushRepository("acme", "clustered", { ".flotilla/workflows/ci.yml": workflow });
    await f.fake.waitFor(
      () => f.fake.checkRuns.filter((r) => r.run.head_sha === sha && r.run.status === "completed").length >= 5,
      { timeoutMs: 120_000 },
    );
    nodes[0]!.kill("SIGKILL");
    await f.fake.waitFor(
      () => f.fake.checkRuns.filter((r) => r.run.head_sha === sha && r.run.status === "completed").length === JOBS,
      { timeoutMs: 240_000 },
    );
    const runs = f.fake.checkRuns.filter((r) => r.run.head_sha === sha);
    expect(runs.length).toBe(JOBS);
    expect(runs.filter((r) => r.run.conclusion !== "success")).toEqual([]);
    const rows = (await f.bot.db.db.execute(
      sql`select count(*)::int as n from jobs where attempt <> 1`,
    )) as unknown as { n: number }[];
    expect(rows[0]!.n).toBe(0);
    await until(
      async () => (await fetch(`${f.publicUrl}/readyz`)).status === 200,
      30_000,
      "the bot ready on the nodes left",
    );
  });
});
