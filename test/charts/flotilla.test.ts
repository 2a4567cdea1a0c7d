/**
 * charts/flotilla through the real helm: it lints strictly, renders with its defaults (the
 * bundled NATS cluster), with an external NATS and with several runner pools, refuses wrong
 * values at install, and points each KEDA ScaledObject at the stream and consumer protocol/
 * names for the pool's namespace and label set — the queue its runners really pull from.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultRunnerLabels, labelsetToken } from "../../protocol/labels.ts";
import { natsNames } from "../../protocol/names.ts";
import { CHART, find, helmSuite, type K8sObject, NATS_CHART_FETCHED } from "./helm.ts";

const helm = helmSuite();

interface Container {
  name: string;
  image?: string;
  resources?: Record<string, Record<string, string>>;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, unknown>> }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}

function podSpec(deployment: K8sObject) {
  return deployment.spec.template.spec as {
    automountServiceAccountToken?: boolean;
    securityContext: Record<string, unknown>;
    containers: Container[];
    initContainers?: Container[];
    nodeSelector?: Record<string, string>;
    volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[];
  };
}

function container(deployment: K8sObject, name: string): Container {
  const found = podSpec(deployment).containers.find((c) => c.name === name);
  if (!found) throw new Error(`${deployment.metadata.name} has no container ${name}`);
  return found;
}

/** A container's plain env values by name (secret references left out). */
function env(c: Container): Record<string, string> {
  return Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

function secretRef(c: Container, name: string) {
  return c.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
}

const TWO_POOLS = {
  pools: [
    { name: "x86", namespace: "x86-lab", labels: ["docker", "Ubuntu-22.04"], replicas: 3 },
    { name: "arm", namespace: "aarch64-lab", labels: ["gpu"], arch: "arm64", replicas: 2, concurrency: 4 },
  ],
};

const EXTERNAL_NATS = {
  nats: { enabled: false },
  externalNats: { url: "nats://nats.infra.svc:4222", monitoringEndpoint: "nats-headless.infra.svc:8222" },
};

describe("charts/flotilla", () => {
  it("passes helm lint --strict with its defaults, an external NATS and two pools", async () => {
    for (const values of [{}, EXTERNAL_NATS, TWO_POOLS]) {
      const result = await helm.run(["lint", "--strict", CHART, "-f", await helm.valuesFile(values)]);
      expect(result.stderr + result.stdout, JSON.stringify(values)).toContain("0 chart(s) failed");
      expect(result.exitCode).toBe(0);
    }
  });

  it("renders the bot with its Secrets, probes and a locked-down pod, beside a 3-node JetStream cluster", async () => {
    const objects = await helm.render({ publicUrl: "https://ci.example.com/" });
    const bot = find(objects, "Deployment", "ci-flotilla-bot");
    expect(bot.spec.replicas).toBeGreaterThanOrEqual(1);
    const c = container(bot, "bot");
    expect(c.args).toEqual(["bot"]);
    expect(env(c)).toMatchObject({
      PUBLIC_URL: "https://ci.example.com",
      NATS_URL: "nats://ci-nats.build.svc:4222",
      NATS_PREFIX: "flotilla",
      NATS_REPLICAS: "3",
      PORT: "3000",
    });
    expect(secretRef(c, "DATABASE_URL")).toEqual({ name: "flotilla-database", key: "DATABASE_URL" });
    expect(secretRef(c, "PRIVATE_KEY")).toMatchObject({ name: "flotilla-github", key: "PRIVATE_KEY" });
    expect(secretRef(c, "APP_ID")).toMatchObject({ name: "flotilla-github", key: "APP_ID" });
    expect(secretRef(c, "WEBHOOK_SECRET")).toMatchObject({ name: "flotilla-github", key: "WEBHOOK_SECRET" });
    expect(secretRef(c, "FLOTILLA_SECRETS_KEY")).toMatchObject({ name: "flotilla-secrets-key" });
    // No secret is ever a plain value in the manifest.
    expect(Object.keys(env(c))).not.toContain("PRIVATE_KEY");

    expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.startupProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.ports).toEqual([{ name: "http", containerPort: 3000 }]);

    const pod = podSpec(bot);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    // A read-only root: what the bot writes goes to volumes.
    expect(c.volumeMounts?.map((m) => m.mountPath).sort()).toEqual(["/data", "/tmp"]);
    expect(env(c).DATA_DIR).toBe("/data");

    const service = find(objects, "Service", "ci-flotilla-bot");
    expect(service.spec.ports[0]).toMatchObject({ targetPort: "http" });

    expect(objects.filter((o) => o.kind === "ScaledObject")).toEqual([]);
    expect(objects.filter((o) => o.kind === "Ingress")).toEqual([]);
    // Two replicas: a node drain takes one at a time.
    expect(find(objects, "PodDisruptionBudget", "ci-flotilla-bot").spec.maxUnavailable).toBe(1);
  });

  // The official nats chart is not in the repository and its chart repository cannot be reached
  // here: after `helm dependency build charts/flotilla` this renders it too.
  it.skipIf(!NATS_CHART_FETCHED)(
    "bundles the official nats chart: the Service the bot dials, 3 JetStream nodes on file storage, monitoring for KEDA",
    async () => {
      const objects = await helm.render({ publicUrl: "https://ci.example.com/" });
      find(objects, "Service", "ci-nats");
      const nats = find(objects, "StatefulSet", "ci-nats");
      expect(nats.spec.replicas).toBe(3);
      expect(nats.spec.volumeClaimTemplates.map((t: K8sObject) => t.metadata.name)).toContain("ci-nats-js");
      const conf = find(objects, "ConfigMap", "ci-nats-config").data?.["nats.conf"] ?? "";
      expect(conf).toMatch(/"jetstream":\s*\{[^}]*"store_dir":\s*"\/data"/);
      expect(conf).toMatch(/"cluster":/);
      // The headless service, where KEDA reads each node's /jsz.
      const headless = find(objects, "Service", "ci-nats-headless");
      expect(headless.spec.ports).toContainEqual(expect.objectContaining({ name: "monitor", port: 8222 }));
    },
  );

  it("asks the nats chart for what Flotilla needs of it: a 3-node cluster, JetStream on file storage, monitoring", async () => {
    const meta = parse(await readFile(new URL("../../charts/flotilla/Chart.yaml", import.meta.url), "utf8")) as {
      dependencies: { name: string; condition: string }[];
    };
    expect(meta.dependencies).toContainEqual(expect.objectContaining({ name: "nats", condition: "nats.enabled" }));
    const shown = await helm.run(["show", "values", CHART]);
    const values = parse(shown.stdout) as {
      nats: { enabled: boolean; config: { cluster: object; jetstream: object; monitor: { enabled: boolean } } };
    };
    expect(values.nats.enabled).toBe(true);
    expect(values.nats.config.cluster).toMatchObject({ enabled: true, replicas: 3 });
    expect(values.nats.config.jetstream).toMatchObject({ enabled: true, fileStore: { enabled: true } });
    expect(values.nats.config.monitor.enabled).toBe(true);
  });

  it("runs the image the Dockerfile builds as it is built: this version, its user, flotilla as entrypoint", async () => {
    const root = new URL("../../", import.meta.url);
    const chart = parse(await readFile(new URL("charts/flotilla/Chart.yaml", root), "utf8")) as { appVersion: string };
    const pkg = JSON.parse(await readFile(new URL("package.json", root), "utf8")) as { version: string };
    // The default image tag is the appVersion: the version the Dockerfile builds from this checkout.
    expect(chart.appVersion).toBe(pkg.version);
    const dockerfile = await readFile(new URL("Dockerfile", root), "utf8");
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    expect(runtime).toMatch(/^\nFROM node:20-slim\n/);
    expect(runtime).toMatch(/apt-get install[^\n]* git /);
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(runtime)?.[1] ?? "[]") as string[];
    expect(entrypoint.at(-1)).toBe("flotilla");
    // runAsNonRoot can only check a numeric user; the pods run as that very user.
    const user = /^USER (\d+):(\d+)$/m.exec(runtime);
    expect(user?.[1]).toBeDefined();
    const bot = find(await helm.render(), "Deployment", "ci-flotilla-bot");
    expect(podSpec(bot).securityContext).toMatchObject({ runAsUser: Number(user![1]), runAsGroup: Number(user![2]) });
    expect(container(bot, "bot").image).toBe(`flotilla:${pkg.version}`);
  });

  it("uses an external NATS when the bundled one is off, with streams of one replica", async () => {
    const objects = await helm.render({
      ...EXTERNAL_NATS,
      bot: { ingress: { enabled: true, host: "ci.example.org" } },
    });
    expect(objects.filter((o) => o.kind === "StatefulSet")).toEqual([]);
    expect(objects.some((o) => o.metadata.name.includes("nats"))).toBe(false);
    const bot = container(find(objects, "Deployment", "ci-flotilla-bot"), "bot");
    expect(env(bot)).toMatchObject({
      NATS_URL: "nats://nats.infra.svc:4222",
      NATS_REPLICAS: "1",
      PUBLIC_URL: "https://ci.example.org",
    });
    const runner = container(find(objects, "Deployment", "ci-flotilla-runner-default"), "runner");
    expect(env(runner).FLOTILLA_NATS_URL).toBe("nats://nats.infra.svc:4222");
    const ingress = find(objects, "Ingress", "ci-flotilla-bot");
    expect(ingress.spec.rules[0].host).toBe("ci.example.org");
    expect(ingress.spec.rules[0].http.paths[0].backend.service.name).toBe("ci-flotilla-bot");
  });

  it("refuses an external NATS without its URL", async () => {
    const result = await helm.run(["template", "ci", CHART, "-f", await helm.valuesFile({ nats: { enabled: false } })]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("externalNats.url is required");
  });

  it("gives each pool its own Deployment whose runners carry the pool's namespace and labels", async () => {
    const objects = await helm.render(TWO_POOLS);
    const runners = objects.filter((o) => o.kind === "Deployment" && o.metadata.labels?.["flotilla.dev/pool"]);
    expect(runners.map((d) => d.metadata.name).sort()).toEqual(["ci-flotilla-runner-arm", "ci-flotilla-runner-x86"]);

    const x86 = find(objects, "Deployment", "ci-flotilla-runner-x86");
    const arm = find(objects, "Deployment", "ci-flotilla-runner-arm");
    expect(x86.spec.replicas).toBe(3);
    expect(arm.spec.replicas).toBe(2);
    const x86Runner = container(x86, "runner");
    const armRunner = container(arm, "runner");
    expect(x86Runner.args).toEqual(["runner", "start", "--metrics-port", "9464"]);
    expect(env(x86Runner)).toMatchObject({
      FLOTILLA_RUNNER_NAMESPACE: "x86-lab",
      FLOTILLA_RUNNER_LABELS: "docker,ubuntu-22.04",
      FLOTILLA_NATS_URL: "nats://ci-nats.build.svc:4222",
      FLOTILLA_NATS_PREFIX: "flotilla",
      FLOTILLA_RUNNER_CONCURRENCY: "1",
    });
    expect(env(armRunner)).toMatchObject({
      FLOTILLA_RUNNER_NAMESPACE: "aarch64-lab",
      FLOTILLA_RUNNER_LABELS: "gpu",
      FLOTILLA_RUNNER_CONCURRENCY: "4",
    });
    // Each pod is a runner of its own name; the architecture decides the nodes.
    expect(x86Runner.env?.find((e) => e.name === "FLOTILLA_RUNNER_NAME")?.valueFrom).toEqual({
      fieldRef: { fieldPath: "metadata.name" },
    });
    expect(podSpec(x86).nodeSelector).toEqual({ "kubernetes.io/arch": "amd64" });
    expect(podSpec(arm).nodeSelector).toEqual({ "kubernetes.io/arch": "arm64" });

    for (const deployment of [x86, arm]) {
      const c = container(deployment, "runner");
      expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "metrics" });
      expect(c.ports).toEqual([{ name: "metrics", containerPort: 9464 }]);
      expect(podSpec(deployment).automountServiceAccountToken).toBe(false);
      expect(podSpec(deployment).securityContext).toMatchObject({ runAsNonRoot: true });
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
      // A rollout or scale-down drains: the pod waits out the drain grace.
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(330);
      expect(env(c).FLOTILLA_RUNNER_DRAIN_GRACE_MS).toBe("300000");
    }
  });

  it("lets a pool's own 0 and false win over runnerDefaults, and merges its maps key by key", async () => {
    const objects = await helm.render({
      runnerDefaults: { autoscaling: { enabled: true, maxReplicas: 7 } },
      pools: [
        { name: "parked", namespace: "lab", replicas: 0, metricsPort: 0, autoscaling: { enabled: false } },
        { name: "elastic", namespace: "lab", autoscaling: { minReplicas: 0 }, resources: { limits: { cpu: "2" } } },
      ],
    });
    const parked = find(objects, "Deployment", "ci-flotilla-runner-parked");
    expect(parked.spec.replicas).toBe(0);
    const runner = container(parked, "runner");
    expect(runner.args).toEqual(["runner", "start"]);
    expect(runner.livenessProbe).toBeUndefined();
    expect(objects.filter((o) => o.kind === "ScaledObject").map((o) => o.metadata.name)).toEqual([
      "ci-flotilla-runner-elastic",
    ]);
    const elastic = find(objects, "ScaledObject", "ci-flotilla-runner-elastic");
    expect(elastic.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 7 });
    expect(container(find(objects, "Deployment", "ci-flotilla-runner-elastic"), "runner")).toMatchObject({
      resources: { limits: { cpu: "2" }, requests: { cpu: "1", memory: "2Gi" } },
    });
  });

  it("registers a token pool once and keeps its credential in a PVC", async () => {
    const objects = await helm.render({
      pools: [
        {
          name: "pinned",
          namespace: "lab",
          labels: ["fpga"],
          registration: { mode: "token", tokenSecret: "lab-token" },
        },
      ],
    });
    const deployment = find(objects, "Deployment", "ci-flotilla-runner-pinned");
    expect(deployment.spec.strategy).toEqual({ type: "Recreate" });
    const [register] = podSpec(deployment).initContainers ?? [];
    expect(register?.args?.[0]).toContain("flotilla runner register");
    expect(register?.args?.[0]).toContain('if [ -s "$FLOTILLA_RUNNER_CONFIG" ]');
    expect(secretRef(register!, "REGISTRATION_TOKEN")).toEqual({ name: "lab-token", key: "token" });
    expect(env(register!)).toMatchObject({
      BOT_URL: "http://ci-flotilla-bot.build.svc:80",
      FLOTILLA_RUNNER_NAMESPACE: "lab",
      FLOTILLA_RUNNER_LABELS: "fpga",
      FLOTILLA_RUNNER_CONFIG: "/state/runner.json",
    });
    expect(env(container(deployment, "runner")).FLOTILLA_RUNNER_CONFIG).toBe("/state/runner.json");
    const claim = podSpec(deployment).volumes.find((v) => v.name === "state")?.persistentVolumeClaim?.claimName;
    expect(claim).toBe("ci-flotilla-runner-pinned-state");
    expect(find(objects, "PersistentVolumeClaim", claim!).metadata.annotations?.["helm.sh/resource-policy"]).toBe(
      "keep",
    );
  });

  it("refuses a token pool of several replicas: a token registers one runner", async () => {
    const values = {
      pools: [{ name: "many", namespace: "lab", replicas: 2, registration: { mode: "token", tokenSecret: "t" } }],
    };
    const result = await helm.run(["template", "ci", CHART, "-f", await helm.valuesFile(values)]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('"many" registers with a one-time token');
  });

  it("refuses at install a pool without a namespace, naming it", async () => {
    const values = { pools: [TWO_POOLS.pools[0], { name: "nameless", labels: ["gpu"] }] };
    for (const command of ["install", "template"]) {
      const args = [command, "ci", CHART, "-f", await helm.valuesFile(values)];
      const result = await helm.run(command === "install" ? [...args, "--dry-run=client"] : args);
      expect(result.exitCode, command).not.toBe(0);
      expect(result.stderr).toContain("/pools/1");
      expect(result.stderr).toContain("missing property 'namespace'");
    }
  });

  it("refuses other wrong values at install: a bad namespace, an unknown pool key, a label with a space", async () => {
    const cases: [object, string][] = [
      [{ pools: [{ name: "a", namespace: "x86 lab" }] }, "/pools/0/namespace"],
      [{ pools: [{ name: "a", namespace: "lab", replica: 2 }] }, "replica"],
      [{ pools: [{ name: "a", namespace: "lab", labels: ["two words"] }] }, "/pools/0/labels/0"],
      [{ pools: [{ name: "A_pool", namespace: "lab" }] }, "/pools/0/name"],
      [{ bot: { replicas: 0 } }, "/bot/replicas"],
      [{ natsPrefix: "ci.prod" }, "/natsPrefix"],
    ];
    for (const [values, named] of cases) {
      const result = await helm.run(["template", "ci", CHART, "-f", await helm.valuesFile(values)]);
      expect(result.exitCode, JSON.stringify(values)).not.toBe(0);
      expect(result.stderr).toContain(named);
    }
  });

  it("points each pool's ScaledObject at the stream and consumers protocol/ names for its namespace and labels", async () => {
    const prefix = "ci-prod";
    const names = natsNames(prefix);
    const objects = await helm.render({
      natsPrefix: prefix,
      pools: [
        { name: "x86", namespace: "x86-lab", labels: ["docker", "Ubuntu-22.04"], autoscaling: { enabled: true } },
        {
          name: "arm",
          namespace: "aarch64-lab",
          labels: ["gpu"],
          arch: "arm64",
          autoscaling: {
            enabled: true,
            maxReplicas: 4,
            labelsets: [["self-hosted"], ["self-hosted", "AArch64", "gpu"]],
          },
        },
        { name: "fixed", namespace: "default", replicas: 2 },
      ],
    });
    const scaled = objects.filter((o) => o.kind === "ScaledObject");
    expect(scaled.map((o) => o.metadata.name).sort()).toEqual(["ci-flotilla-runner-arm", "ci-flotilla-runner-x86"]);

    const x86 = find(objects, "ScaledObject", "ci-flotilla-runner-x86");
    expect(x86.spec.scaleTargetRef).toEqual({ name: "ci-flotilla-runner-x86" });
    const x86Token = labelsetToken([...defaultRunnerLabels("linux", "x64"), "docker", "Ubuntu-22.04"]);
    expect(x86.spec.triggers).toEqual([
      {
        type: "nats-jetstream",
        metadata: {
          natsServerMonitoringEndpoint: "ci-nats-headless.build.svc.cluster.local:8222",
          account: "$G",
          stream: names.jobsStream("x86-lab"),
          consumer: names.jobConsumer("x86-lab", x86Token),
          lagThreshold: "1",
        },
      },
    ]);
    expect(names.jobsStream("x86-lab")).toBe("CI_PROD_JOBS_x86-lab");

    const arm = find(objects, "ScaledObject", "ci-flotilla-runner-arm");
    expect(arm.spec.maxReplicaCount).toBe(4);
    expect(arm.spec.triggers.map((t: { metadata: { stream: string; consumer: string } }) => t.metadata)).toEqual([
      expect.objectContaining({
        stream: names.jobsStream("aarch64-lab"),
        consumer: names.jobConsumer("aarch64-lab", labelsetToken(["self-hosted"])),
      }),
      expect.objectContaining({
        stream: names.jobsStream("aarch64-lab"),
        consumer: names.jobConsumer("aarch64-lab", labelsetToken(["self-hosted", "arm64", "gpu"])),
      }),
    ]);
    // KEDA owns the replica count of a scaled pool; a fixed pool keeps its own.
    expect(find(objects, "Deployment", "ci-flotilla-runner-x86").spec.replicas).toBeUndefined();
    expect(find(objects, "Deployment", "ci-flotilla-runner-fixed").spec.replicas).toBe(2);
  });

  it("points the ScaledObject at an external NATS's monitoring endpoint", async () => {
    const objects = await helm.render({
      ...EXTERNAL_NATS,
      pools: [{ name: "x86", namespace: "x86-lab", autoscaling: { enabled: true, natsAccount: "ACCT" } }],
    });
    const [trigger] = find(objects, "ScaledObject", "ci-flotilla-runner-x86").spec.triggers;
    expect(trigger.metadata).toMatchObject({
      natsServerMonitoringEndpoint: "nats-headless.infra.svc:8222",
      account: "ACCT",
      consumer: natsNames().jobConsumer("x86-lab", labelsetToken(defaultRunnerLabels("linux", "x64"))),
    });
  });
});
