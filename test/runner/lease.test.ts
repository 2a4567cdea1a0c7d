import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRepo } from "../helpers/git-repo.ts";
import { buildJob, NATS_URL, openBus, randomId, type Bus } from "./support.ts";

let bus: Bus;
let repoDir: string;
let sha: string;
// A short AckWait so a lost lease shows within the test; runners extend every 500ms.
const lease = { ackWaitMs: 2_000, maxDeliver: 5 };

beforeAll(async () => {
  bus = await openBus();
  repoDir = await mkdtemp(join(tmpdir(), "flotilla-repo-"));
  ({ sha } = await createRepo(repoDir, { "README.md": "lease\n" }));
});

afterEach(async () => {
  await bus.stopRunners();
});

afterAll(async () => {
  await bus?.close();
  await rm(repoDir, { recursive: true, force: true });
});

describe("the job lease", () => {
  it("keeps a job longer than AckWait with working()", async () => {
    const namespace = randomId("ns");
    const consumer = await bus.addLabelset(namespace, ["self-hosted"], lease);
    const runner = await bus.startRunner({ namespace, leaseExtendMs: 500 });
    const id = randomId("exec-");
    await bus.publishJob(buildJob({ executions: { [namespace]: id }, cloneUrl: `file://${repoDir}`, sha, steps: [{ name: "Slow", run: "sleep 5; echo done" }] }));
    const completed = await bus.reports.completed(id, 15_000);
    expect(completed).toMatchObject({ conclusion: "success", attempt: 1 });
    expect(bus.reports.events(id).filter((e) => e.type === "started")).toHaveLength(1);
    const info = await bus.jsm.consumers.info(bus.names.jobsStream(namespace), consumer);
    expect(info.num_redelivered).toBe(0);
    expect(info.num_ack_pending + info.num_pending).toBe(0);
    await runner.stop();
  });

  it("gives the job of a runner that died mid-job to another runner after AckWait", async () => {
    const namespace = randomId("ns");
    await bus.addLabelset(namespace, ["self-hosted"], lease);
    const config = bus.runnerConfig({ namespace, leaseExtendMs: 500 });
    const doomed = execa("node", ["--import", "tsx", fileURLToPath(new URL("./fixtures/runner-process.ts", import.meta.url))], {
      env: {
        FLOTILLA_NATS_URL: NATS_URL,
        FLOTILLA_NATS_PREFIX: bus.names.prefix,
        FLOTILLA_RUNNER_NAME: "doomed",
        FLOTILLA_RUNNER_NAMESPACE: namespace,
        FLOTILLA_RUNNER_WORK_DIR: config.workDir,
        FLOTILLA_RUNNER_LEASE_EXTEND_MS: "500",
      },
      reject: false,
    });
    try {
      const id = randomId("exec-");
      await bus.publishJob(buildJob({ executions: { [namespace]: id }, cloneUrl: `file://${repoDir}`, sha, steps: [{ name: "Slow", run: "echo begun; sleep 3; echo done" }] }));
      await bus.reports.waitFor(() => bus.reports.log(id).includes("begun\n"), 20_000, "the doomed runner to start the job");
      const first = bus.reports.events(id)[0];
      expect(first?.type === "started" && first.runner.name).toBe("doomed");
      doomed.kill("SIGKILL");
      await doomed;

      const rescuer = await bus.startRunner({ namespace, name: "rescuer" });
      const completed = await bus.reports.completed(id, 15_000);
      expect(completed).toMatchObject({ conclusion: "success", attempt: 2 });
      const starts = bus.reports.events(id).filter((e) => e.type === "started");
      expect(starts.map((e) => e.type === "started" && [e.runner.name, e.attempt])).toEqual([["doomed", 1], ["rescuer", 2]]);
      await rescuer.stop();
    } finally {
      doomed.kill("SIGKILL");
    }
  });
});
