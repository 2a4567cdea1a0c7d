import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { JobMessage } from "../../../protocol/messages.ts";
import { ensureJobConsumer } from "../../../protocol/setup.ts";
import { extendEveryMs } from "../../../runner/queue/lease.ts";
import { repoSuite } from "../repo-suite.ts";
import { buildJob, NATS_URL, randomId } from "../support.ts";

const suite = repoSuite({ "README.md": "lease\n" });
// A short AckWait so a lost lease shows within the test, named in the job messages as the bot does.
const lease = { ackWaitMs: 2_000, maxDeliver: 5 };

describe("the lease extension interval", () => {
  it.each([
    ["a third of the message's lease", { ackWaitMs: 2_000, maxDeliver: 3 }, undefined, 666],
    ["the operator's interval when shorter", { ackWaitMs: 2_000, maxDeliver: 3 }, 500, 500],
    ["never longer than a third of the lease", { ackWaitMs: 2_000, maxDeliver: 3 }, 10_000, 666],
    ["for an older bot's message, a third of the default lease", undefined, undefined, 10_000],
    ["for an older bot's message, the operator's interval", undefined, 20_000, 20_000],
  ])("is %s", (_what, messageLease, configured, expected) => {
    expect(extendEveryMs(messageLease, configured)).toBe(expected);
  });

  it("is the lease a queue was made with, whatever the bot's setting is now", async () => {
    const namespace = randomId("ns");
    await ensureJobConsumer(suite.bus.jsm, suite.bus.labelsets, suite.bus.names, namespace, ["self-hosted"], lease);
    const again = await ensureJobConsumer(
      suite.bus.jsm,
      suite.bus.labelsets,
      suite.bus.names,
      namespace,
      ["self-hosted"],
      {
        ackWaitMs: 60_000,
        maxDeliver: 9,
      },
    );
    expect(again.lease).toEqual(lease);
  });

  it("decodes a job message without a lease (from an older bot)", () => {
    const job = buildJob({ executions: { default: "x" }, cloneUrl: "file:///nowhere", sha: "0".repeat(40), steps: [] });
    expect("lease" in job).toBe(false);
    expect(JobMessage.parse(job).lease).toBeUndefined();
  });
});

describe("the job lease", () => {
  it.each([
    ["with an explicit interval", 500],
    ["with no lease setting, as the message says", undefined],
  ])("keeps a job longer than AckWait with working(), %s", async (_what, leaseExtendMs) => {
    const namespace = randomId("ns");
    const consumer = await suite.bus.addLabelset(namespace, ["self-hosted"], lease);
    // Two runners: a lapsed lease would hand the job to the idle one at once.
    await suite.bus.startRunner({ namespace, leaseExtendMs });
    await suite.bus.startRunner({ namespace, leaseExtendMs });
    const id = await suite.publish(namespace, { steps: [{ name: "Slow", run: "sleep 5; echo done" }] }, { lease });
    const completed = await suite.bus.reports.completed(id, 15_000);
    expect(completed).toMatchObject({ conclusion: "success", attempt: 1 });
    expect(suite.bus.reports.events(id).filter((e) => e.type === "started")).toHaveLength(1);
    // The runner acks after its `completed` report is stored: give the ack its moment.
    const settled = async () => {
      for (const deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
        const info = await suite.bus.jsm.consumers.info(suite.bus.names.jobsStream(namespace), consumer);
        if (info.num_ack_pending + info.num_pending === 0 || Date.now() > deadline) return info;
      }
    };
    const info = await settled();
    expect(info.num_redelivered).toBe(0);
    expect(info.num_ack_pending + info.num_pending).toBe(0);
  });

  it("gives the job of a runner that died mid-job to another runner after AckWait", async () => {
    const namespace = randomId("ns");
    await suite.bus.addLabelset(namespace, ["self-hosted"], lease);
    const config = suite.bus.runnerConfig({ namespace, leaseExtendMs: 500 });
    const doomed = execa(
      "node",
      ["--import", "tsx", fileURLToPath(new URL("../fixtures/runner-process.ts", import.meta.url))],
      {
        env: {
          FLOTILLA_NATS_URL: NATS_URL,
          FLOTILLA_NATS_PREFIX: suite.bus.names.prefix,
          FLOTILLA_RUNNER_NAME: "doomed",
          FLOTILLA_RUNNER_NAMESPACE: namespace,
          FLOTILLA_RUNNER_WORK_DIR: config.workDir,
          FLOTILLA_RUNNER_LEASE_EXTEND_MS: "500",
        },
        reject: false,
      },
    );
    try {
      const id = await suite.publish(namespace, { steps: [{ name: "Slow", run: "echo begun; sleep 3; echo done" }] });
      await suite.bus.reports.waitFor(
        () => suite.bus.reports.log(id).includes("begun\n"),
        20_000,
        "the doomed runner to start the job",
      );
      const first = suite.bus.reports.events(id)[0];
      expect(first?.type === "started" && first.runner.name).toBe("doomed");
      doomed.kill("SIGKILL");
      await doomed;

      const rescuer = await suite.bus.startRunner({ namespace, name: "rescuer" });
      const completed = await suite.bus.reports.completed(id, 15_000);
      expect(completed).toMatchObject({ conclusion: "success", attempt: 2 });
      const starts = suite.bus.reports.events(id).filter((e) => e.type === "started");
      expect(starts.map((e) => e.type === "started" && [e.runner.name, e.attempt])).toEqual([
        ["doomed", 1],
        ["rescuer", 2],
      ]);
      await rescuer.stop();
    } finally {
      doomed.kill("SIGKILL");
    }
  });
});
