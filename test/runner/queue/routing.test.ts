import { describe, expect, it } from "vitest";
import { ensureJobConsumer, ensureStreams, openLabelsets } from "../../../protocol/setup.ts";
import { uniquePrefix } from "../../helpers/nats-server.ts";
import { repoSuite } from "../repo-suite.ts";
import { openBus, randomId } from "../support.ts";

const suite = repoSuite({ "README.md": "routing\n" });

function job(executions: Record<string, string>, labels = ["self-hosted"], run = "echo ran") {
  return suite.job(executions, { labels, steps: [{ name: "Run", run }] });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("which runner takes which job", () => {
  it("leaves a job whose labels it cannot serve, until a runner that can comes", async () => {
    const namespace = randomId("ns");
    const consumer = await suite.bus.addLabelset(namespace, ["self-hosted", "gpu"]);
    const plain = await suite.bus.startRunner({ namespace });
    const id = randomId("exec-");
    await suite.bus.publishJob(job({ [namespace]: id }, ["self-hosted", "gpu"]));
    await sleep(1_500);
    expect(suite.bus.reports.events(id)).toEqual([]);
    expect((await suite.bus.jsm.consumers.info(suite.bus.names.jobsStream(namespace), consumer)).num_pending).toBe(1);

    const gpu = await suite.bus.startRunner({ namespace, labels: "GPU" });
    const completed = await suite.bus.reports.completed(id);
    expect(completed.conclusion).toBe("success");
    const started = suite.bus.reports.events(id)[0];
    expect(started?.type === "started" && started.runner.name).toBe(gpu.runner.name);
    expect(plain.stats().completed).toEqual({});
    await Promise.all([plain.stop(), gpu.stop()]);
  });

  it("runs each job once across two runners of one namespace", async () => {
    const namespace = randomId("ns");
    await suite.bus.addLabelset(namespace, ["self-hosted"]);
    const runners = await Promise.all([suite.bus.startRunner({ namespace }), suite.bus.startRunner({ namespace })]);
    const ids = Array.from({ length: 6 }, () => randomId("exec-"));
    for (const id of ids) await suite.bus.publishJob(job({ [namespace]: id }, ["self-hosted"], "sleep 0.3; echo ran"));
    for (const id of ids) expect((await suite.bus.reports.completed(id)).conclusion).toBe("success");
    await sleep(500);
    for (const id of ids) {
      const events = suite.bus.reports.events(id);
      expect(events.filter((e) => e.type === "started")).toHaveLength(1);
      expect(events.filter((e) => e.type === "completed")).toHaveLength(1);
      expect(events.every((e) => e.attempt === 1)).toBe(true);
    }
    const total = runners.reduce((n, r) => n + (r.stats().completed.success ?? 0), 0);
    expect(total).toBe(ids.length);
    // A busy runner has no pull outstanding, so the other one gets work too.
    for (const runner of runners) expect(runner.stats().completed.success ?? 0).toBeGreaterThan(0);
    await Promise.all(runners.map((r) => r.stop()));
  });

  it("runs as many jobs at once as its concurrency, across labelsets", async () => {
    const namespace = randomId("ns");
    await suite.bus.addLabelset(namespace, ["self-hosted"]);
    await suite.bus.addLabelset(namespace, ["linux"]);
    const runner = await suite.bus.startRunner({ namespace, concurrency: 2 });
    const ids = [randomId("exec-"), randomId("exec-"), randomId("exec-")];
    const run = "echo begun; sleep 1";
    await suite.bus.publishJob(job({ [namespace]: ids[0]! }, ["self-hosted"], run));
    await suite.bus.publishJob(job({ [namespace]: ids[1]! }, ["linux"], run));
    await suite.bus.publishJob(job({ [namespace]: ids[2]! }, ["self-hosted"], run));
    await suite.bus.reports.waitFor(
      () => ids.filter((id) => suite.bus.reports.log(id).includes("begun")).length >= 2,
      10_000,
      "two jobs running",
    );
    expect(runner.stats().running).toBe(2);
    for (const id of ids) expect((await suite.bus.reports.completed(id)).conclusion).toBe("success");
    // Counted after the ack, which follows the `completed` report.
    await suite.bus.reports.waitFor(() => runner.stats().completed.success === 3, 5_000, "three acked jobs");
  });

  it("runs a job in every namespace that follows it, and skips one it was not asked to run", async () => {
    const [a, b, c] = [randomId("nsa"), randomId("nsb"), randomId("nsc")];
    for (const ns of [a, b, c]) await suite.bus.addLabelset(ns, ["self-hosted"]);
    const runners = await Promise.all([
      suite.bus.startRunner({ namespace: a }),
      suite.bus.startRunner({ namespace: b }),
      suite.bus.startRunner({ namespace: c }),
    ]);
    const [idA, idB] = [randomId("exec-"), randomId("exec-")];
    // Namespace c has a consumer (so it sees the message) but no execution in this job.
    await suite.bus.publishJob(job({ [a]: idA, [b]: idB }));
    expect((await suite.bus.reports.completed(idA)).conclusion).toBe("success");
    expect((await suite.bus.reports.completed(idB)).conclusion).toBe("success");
    const runnerOf = (id: string) => suite.bus.reports.events(id).find((e) => e.type === "started");
    expect(runnerOf(idA)?.type === "started" && runnerOf(idA)).toMatchObject({ runner: { namespace: a } });
    expect(runnerOf(idB)?.type === "started" && runnerOf(idB)).toMatchObject({ runner: { namespace: b } });
    const consumerC = suite.bus.names.jobConsumer(c, "self-hosted");
    await suite.bus.reports.waitFor(() => runners[2]!.stats().running === 0, 5_000);
    await sleep(300);
    const infoC = await suite.bus.jsm.consumers.info(suite.bus.names.jobsStream(c), consumerC);
    expect(infoC.num_pending + infoC.num_ack_pending).toBe(0);
    expect(runners[2]!.stats().completed).toEqual({});
    await Promise.all(runners.map((r) => r.stop()));
  });

  it("keeps a runner with exclusive labels for the jobs that ask for them", async () => {
    const namespace = randomId("ns");
    await suite.bus.addLabelset(namespace, ["self-hosted"]);
    await suite.bus.addLabelset(namespace, ["self-hosted", "gpu"]);
    const gpu = await suite.bus.startRunner({ namespace, exclusiveLabels: "GPU" });
    const plain = await suite.bus.startRunner({ namespace });
    expect(gpu.runner.labels).toContain("gpu");
    const lint = Array.from({ length: 4 }, () => randomId("exec-"));
    const train = Array.from({ length: 2 }, () => randomId("exec-"));
    // The lint jobs queue up behind one plain runner while the GPU runner sits idle.
    for (const id of lint) await suite.bus.publishJob(job({ [namespace]: id }, ["self-hosted"], "sleep 0.2; echo ran"));
    for (const id of train) await suite.bus.publishJob(job({ [namespace]: id }, ["self-hosted", "gpu"]));
    const ranOn = async (id: string) => {
      expect((await suite.bus.reports.completed(id)).conclusion).toBe("success");
      const started = suite.bus.reports.events(id).find((e) => e.type === "started");
      return started?.type === "started" ? started.runner.name : undefined;
    };
    for (const id of train) expect(await ranOn(id)).toBe(gpu.runner.name);
    for (const id of lint) expect(await ranOn(id)).toBe(plain.runner.name);
    await Promise.all([gpu.stop(), plain.stop()]);
  });

  it("waits for the bot when started before the bus exists", async () => {
    const late = await openBus(uniquePrefix("rtlate"));
    try {
      // Tear the stand-in bot's setup down again: the runner starts against an empty server.
      await late.jsm.streams.delete(`KV_${late.names.labelsetsBucket}`);
      const namespace = randomId("ns");
      await late.startRunner({ namespace });
      await sleep(500);
      const jsm = await ensureStreams(late.nc, late.names);
      const labelsets = await openLabelsets(late.nc, late.names);
      await ensureJobConsumer(jsm, labelsets, late.names, namespace, ["self-hosted"]);
      const id = randomId("exec-");
      const started = Date.now();
      await late.publishJob(job({ [namespace]: id }));
      expect((await late.reports.completed(id, 10_000)).conclusion).toBe("success");
      // Woken by the stream-created advisory, not by a 30s re-check.
      expect(Date.now() - started).toBeLessThan(8_000);
    } finally {
      await late.close();
    }
  });
});
