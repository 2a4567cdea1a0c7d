/**
 * What the chart's runner pods run, run for real: the containers `helm template` renders for a
 * pool — their command, arguments and environment as rendered, only the pod's mounts and the
 * in-cluster bot address swapped for this machine's — against a whole Flotilla. An `open` pool's
 * runner takes a job of its labels, through the very consumer its ScaledObject names; a `token`
 * pool's init container registers once and then finds its credential, and the runner it leaves
 * behind runs jobs with it.
 */
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { execa, type ResultPromise } from "execa";
import { describe, expect, it } from "vitest";
import { defaultRunnerLabels, normalizeLabels } from "../../protocol/labels.ts";
import { natsNames } from "../../protocol/names.ts";
import { BIN } from "../helpers/flotilla-bin.ts";
import { freePort } from "../helpers/free-port.ts";
import { until } from "../helpers/until.ts";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import type { Flotilla } from "../helpers/flotilla.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { suiteProcesses } from "../helpers/suite-processes.ts";
import { find, helmSuite, type K8sObject } from "./helm.ts";

const scratch = scratchDir("flotilla-chart-pods-");
const helm = helmSuite();
const keep = suiteProcesses();

interface Container {
  name: string;
  command?: string[];
  args: string[];
  env: { name: string; value?: string }[];
}

/** The architecture label of this machine: the pool's `arch`, as the runner will see it. */
const ARCH = defaultRunnerLabels().includes("arm64") ? "arm64" : "x64";

function containers(deployment: K8sObject, kind: "containers" | "initContainers"): Container[] {
  return deployment.spec.template.spec[kind] as Container[];
}

/**
 * Runs a rendered container here: its own command (else the image's entrypoint, `flotilla`) and
 * arguments, its plain env values, then `swap` for what only a pod has (its mounts, its name, the
 * cluster's DNS). `flotilla` is on PATH as in the image.
 */
function runContainer(c: Container, swap: Record<string, string>): ResultPromise {
  const bin = join(scratch(), "bin");
  mkdirSync(bin, { recursive: true });
  if (!existsSync(join(bin, "flotilla"))) symlinkSync(BIN, join(bin, "flotilla"));
  const env = Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  const [file, ...args] = c.command ? [...c.command, ...c.args] : ["flotilla", ...c.args];
  return execa(file!, args, {
    env: { ...env, ...swap, PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: scratch(), LOG_LEVEL: "info" },
    extendEnv: false,
    reject: false,
    all: true,
  });
}

function values(f: Flotilla, pool: object) {
  return {
    natsPrefix: f.prefix,
    nats: { enabled: false },
    externalNats: { url: f.natsUrl, monitoringEndpoint: "127.0.0.1:8222" },
    // No metrics port unless the pool names one: the chart's default port would collide between suites.
    pools: [{ metricsPort: 0, ...pool, arch: ARCH }],
  };
}

async function runsJob(f: Flotilla, repo: string, labels: string[]): Promise<void> {
  const { sha } = await f.pushRepository("chart", repo, {
    ".flotilla/workflows/ci.yml": `on: push\njobs:\n  test:\n    runs-on: ${JSON.stringify(labels)}\n    steps:\n      - run: echo from the pool\n`,
  });
  const done = await f.fake.waitForCheckRun("test", (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 90_000,
  });
  expect(done.run.conclusion).toBe("success");
}

async function stopped(runner: ResultPromise): Promise<void> {
  runner.kill("SIGTERM");
  const result = await runner;
  expect(result.exitCode, String(result.all)).toBe(0);
}

describe("an open pool", () => {
  const f = flotillaSuite();

  it("runs jobs of its labels, pulled from the consumer its ScaledObject scales on", { timeout: 180_000 }, async () => {
    const metricsPort = await freePort();
    const objects = await helm.render(
      values(f, {
        name: "open",
        namespace: "default",
        labels: ["chart-open"],
        autoscaling: { enabled: true },
        metricsPort,
      }),
    );
    const [runnerContainer] = containers(find(objects, "Deployment", "ci-flotilla-runner-open"), "containers");
    const runner = keep(
      runContainer(runnerContainer!, {
        FLOTILLA_RUNNER_NAME: "ci-flotilla-runner-open-7d9f-x2k4q",
        FLOTILLA_RUNNER_WORK_DIR: join(scratch(), "open-work"),
      }),
    );
    // A job asking for exactly the pool's labels: the queue of the ScaledObject's one trigger.
    await runsJob(f, "open-pool", normalizeLabels(["self-hosted", "linux", ARCH, "chart-open"]));

    // The pod's probe, as the kubelet would ask it, and the runner's metrics on the same port.
    const deployment = find(objects, "Deployment", "ci-flotilla-runner-open");
    const probe = deployment.spec.template.spec.containers[0].livenessProbe.httpGet;
    expect(probe).toEqual({ path: "/healthz", port: "metrics" });
    expect((await fetch(`http://127.0.0.1:${metricsPort}${probe.path}`)).status).toBe(200);
    // The runner counts the job once its report is through, which may be after the check run completes.
    const completed = /flotilla_runner_jobs_completed_total\{[^}]*conclusion="success"[^}]*\} 1/;
    await until(
      async () => completed.test(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()),
      30_000,
      "the runner's metrics to count the job",
    );

    const [trigger] = find(objects, "ScaledObject", "ci-flotilla-runner-open").spec.triggers;
    expect(trigger.metadata.stream).toBe(natsNames(f.prefix).jobsStream("default"));
    const nc = await connect({ servers: f.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const consumer = await jsm.consumers.info(trigger.metadata.stream, trigger.metadata.consumer);
      // That consumer exists on the real stream, and the job went out through it to the runner.
      expect(consumer.delivered.consumer_seq).toBeGreaterThanOrEqual(1);
      expect(consumer.num_pending + consumer.num_ack_pending).toBe(0);
    } finally {
      await nc.close();
    }
    await stopped(runner);
  });
});

describe("a token pool", () => {
  const f = flotillaSuite({ natsAuth: true });

  it("registers once, keeps the credential, and its runner runs jobs with it", { timeout: 180_000 }, async () => {
    const response = await fetch(`${f.publicUrl}/api/v1/runner-tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ namespace: "default" }),
    });
    const { token } = (await response.json()) as { token: string };
    const objects = await helm.render(
      values(f, {
        name: "pinned",
        namespace: "default",
        labels: ["chart-token"],
        registration: { mode: "token", tokenSecret: "pinned-token" },
      }),
    );
    const deployment = find(objects, "Deployment", "ci-flotilla-runner-pinned");
    const [register] = containers(deployment, "initContainers");
    const [runnerContainer] = containers(deployment, "containers");
    const config = join(scratch(), "state", "runner.json");
    await mkdir(join(scratch(), "state"), { recursive: true });
    const pod = { BOT_URL: f.publicUrl, REGISTRATION_TOKEN: token, FLOTILLA_RUNNER_CONFIG: config };

    const first = await runContainer(register!, pod);
    expect(first.exitCode, String(first.all)).toBe(0);
    const registered = JSON.parse(await readFile(config, "utf8")) as {
      name: string;
      namespace: string;
      labels: string[];
      natsCreds?: string;
    };
    expect(registered).toMatchObject({ name: "ci-flotilla-runner-pinned", namespace: "default" });
    expect(registered.labels).toContain("chart-token");
    expect(registered.natsCreds).toContain("NATS USER JWT");
    // The pod starts again: the token is spent, and the init container does not need it.
    const again = await runContainer(register!, pod);
    expect(again.exitCode, String(again.all)).toBe(0);
    expect(again.all).toContain("registered already");

    const runner = keep(
      runContainer(runnerContainer!, {
        FLOTILLA_RUNNER_CONFIG: config,
        FLOTILLA_RUNNER_WORK_DIR: join(scratch(), "token-work"),
      }),
    );
    // The NATS of this Flotilla refuses runners without a credential: the job ran with the registered one.
    await runsJob(f, "token-pool", ["self-hosted", "chart-token"]);
    await stopped(runner);
  });
});
