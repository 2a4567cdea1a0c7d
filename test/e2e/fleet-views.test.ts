/**
 * What operators and developers see of the fleet: `flotilla runners`, the API and the runners
 * page follow a real runner process from online to busy (with its job) to offline once it is
 * killed; a queued check run says why its job waits; namespaces follow the repositories they
 * name, each with its own check runs and commit status.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import type { RunnerView } from "../../bot/fleet/list-runners.ts";
import { RUNNER_OFFLINE_AFTER_MS } from "../../bot/fleet/runner-state.ts";
import { BIN } from "../helpers/flotilla-bin.ts";
import { until } from "../helpers/until.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { runnerProcess } from "../helpers/runner-process.ts";

const scratch = scratchDir("flotilla-fleet-views-");
/** The runner processes (each killed by its test; here too should that test fail first). */
let alpha: ResultPromise | undefined;
let beta: ResultPromise | undefined;

const f = flotillaSuite();

afterAll(async () => {
  for (const child of [alpha, beta]) child?.kill("SIGKILL");
  await Promise.allSettled([alpha, beta]);
});

/** A runner as an operator starts one, beating every half second so states change quickly. */
function runner(name: string, labels: string): ResultPromise {
  return runnerProcess({
    natsUrl: f.natsUrl,
    prefix: f.prefix,
    name,
    labels,
    workDir: join(scratch(), name),
    home: scratch(),
    env: { LOG_LEVEL: "warn", FLOTILLA_RUNNER_HEARTBEAT_MS: "500" },
  });
}

function flotilla(args: string[], token = f.apiToken) {
  return execa("node", [BIN, ...args], {
    env: { PATH: process.env.PATH ?? "", FLOTILLA_URL: f.publicUrl, FLOTILLA_API_TOKEN: token, LOG_LEVEL: "silent" },
    extendEnv: false,
    reject: false,
    all: true,
  });
}

async function apiRunners(): Promise<RunnerView[]> {
  const response = await fetch(`${f.publicUrl}/api/v1/runners`, { headers: { authorization: `Bearer ${f.apiToken}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { runners: RunnerView[] }).runners;
}

const runnerNamed = (name: string, state?: string) => async () =>
  (await apiRunners()).find((r) => r.name === name && (!state || r.state === state));

async function push(owner: string, name: string, workflow: string): Promise<string> {
  const { sha } = await f.pushRepository(owner, name, { ".flotilla/workflows/ci.yml": workflow });
  return sha;
}

/** A repository `fleet/<name>` whose one job `job` wants `label`, pushed; resolves once the job has its check run. */
async function waitingJob(name: string, job: string, label: string) {
  const sha = await push(
    "fleet",
    name,
    `on: push\njobs:\n  ${job}:\n    runs-on: [self-hosted, ${label}]\n    steps: [{ run: echo never }]\n`,
  );
  return { sha, queued: await f.fake.waitForCheckRun(job, (r) => r.run.head_sha === sha, { timeoutMs: 120_000 }) };
}

const output = (record: { run: Record<string, unknown> }) => record.run.output as { title: string; summary: string };

const page = (authorization?: string) =>
  fetch(`${f.publicUrl}/runners`, { headers: authorization ? { authorization } : {} });
const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString("base64")}`;

describe("a runner's life as the fleet views show it", () => {
  it("online, then busy with its job, then offline within 30 s of being killed; a job for it then says so", {
    timeout: 400_000,
  }, async () => {
    const child = (alpha = runner("alpha", "fleet-a"));
    const online = await until(runnerNamed("alpha", "online"), 120_000, "alpha online", 200);
    expect(online).toMatchObject({ namespace: "default", concurrency: 1, jobs: [] });
    expect(online.labels).toEqual(expect.arrayContaining(["fleet-a", "self-hosted", "linux"]));
    expect(online.version).not.toBe("");

    const listed = await flotilla(["runners"]);
    expect(listed.exitCode).toBe(0);
    const [header, row] = listed.stdout.split("\n");
    expect(header).toMatch(/^NAME\s+NAMESPACE\s+LABELS\s+VERSION\s+STATE\s+CURRENT JOB\s+LAST SEEN$/);
    expect(row).toMatch(/^alpha\s+default\s+\S*fleet-a\S*\s+\S+\s+online\s+-\s+\d+s ago$/);

    // The job runs until the test has seen it everywhere.
    const release = join(scratch(), "release-slow");
    const sha = await push(
      "fleet",
      "busy",
      `on: push\njobs:\n  slow:\n    runs-on: [self-hosted, fleet-a]\n    steps: [{ run: 'until [ -f ${release} ]; do sleep 0.1; done' }]\n`,
    );
    await f.fake.waitForCheckRun("slow", (r) => r.run.head_sha === sha && r.run.status === "in_progress", {
      timeoutMs: 120_000,
    });
    const busy = await until(runnerNamed("alpha", "busy"), 60_000, "alpha busy", 200);
    expect(busy.jobs).toEqual([
      expect.objectContaining({
        name: "slow",
        repository: "fleet/busy",
        workflow: ".flotilla/workflows/ci.yml",
        runNumber: 1,
      }),
    ]);
    expect(busy.jobs[0]!.url).toMatch(new RegExp(`^${f.publicUrl}/jobs/${busy.jobs[0]!.id}\\?token=`));
    expect((await flotilla(["runners"])).stdout).toMatch(/alpha\s+default\s+.*busy\s+slow \(fleet\/busy\)\s+\d+s ago/);
    const html = await (await page(basic(f.apiToken))).text();
    expect(html).toContain("<td>alpha</td>");
    expect(html).toContain(">busy</span>");
    expect(html).toContain(`href="${busy.jobs[0]!.url.replace(/&/g, "&amp;")}">slow</a>`);

    // Before it started, the job's check run said who could run it.
    const slow = f.fake.checkRuns.find((r) => r.run.head_sha === sha && r.run.name === "slow")!;
    expect((slow.history[0]!.body.output as { title: string }).title).toBe(
      "Waiting for a runner: 1 online (0 busy), 0 offline",
    );
    expect(slow.history).toHaveLength(2);

    await writeFile(release, "");
    await f.fake.waitForCheckRun("slow", (r) => r.run.head_sha === sha && r.run.status === "completed", {
      timeoutMs: 120_000,
    });
    await until(runnerNamed("alpha", "online"), 60_000, "alpha idle again", 200);
    child.kill("SIGKILL");
    await child;
    const killedAt = Date.now();
    const offline = await until(runnerNamed("alpha", "offline"), 120_000, "alpha offline", 200);
    const seenAt = Date.now();
    console.log(`runner offline ${((seenAt - killedAt) / 1000).toFixed(1)} s after SIGKILL`);
    // Offline because its heartbeats stopped when it died, and not before the rule says: 30 s
    // after the last one. (How soon after that the probe sees it depends on the machine's load.)
    const lastBeat = Date.parse(offline.lastSeenAt!);
    expect(lastBeat).toBeLessThanOrEqual(killedAt);
    expect(seenAt - lastBeat).toBeGreaterThanOrEqual(RUNNER_OFFLINE_AFTER_MS);
    expect(offline.jobs).toEqual([]);
    expect((await flotilla(["runners", "--namespace", "default"])).stdout).toMatch(
      /alpha\s+default\s+.*offline\s+-\s+\d+s ago/,
    );

    const { queued } = await waitingJob("stranded", "waits", "fleet-a");
    expect(output(queued).title).toBe("Waiting for a runner: 0 online (0 busy), 1 offline");
    expect(output(queued).summary).toContain(
      "Waiting for a runner with labels `fleet-a`, `self-hosted` in namespace `default`: 0 online (0 busy), 1 offline",
    );
    expect(output(queued).summary).toContain("offline");
  });

  it("a job whose labels no runner has stays queued and says so", { timeout: 300_000 }, async () => {
    const { sha, queued } = await waitingJob("gpu", "train", "gpu");
    expect(output(queued).title).toBe("No runner in namespace default has the labels gpu, self-hosted");
    expect(output(queued).summary).toContain("No runner in namespace `default` has the labels `gpu`, `self-hosted`");
    expect(output(queued).summary).toContain("flotilla runner register --labels gpu,self-hosted");
    // A runner without that label comes and goes: online, then a heartbeat later (it has been
    // pulling jobs of its labels all along), idle; the job is still queued.
    const child = (beta = runner("beta", "fleet-b"));
    const first = await until(runnerNamed("beta", "online"), 120_000, "beta online", 200);
    const later = await until(
      async () => (await apiRunners()).find((r) => r.name === "beta" && r.lastSeenAt !== first.lastSeenAt),
      60_000,
      "beta to beat again",
      200,
    );
    expect(later).toMatchObject({ state: "online", jobs: [] });
    child.kill("SIGKILL");
    await child;
    expect(f.fake.checkRuns.find((r) => r.run.head_sha === sha)?.run.status).toBe("queued");
    expect(f.fake.invalidRequests).toEqual([]);
  });

  it("the runners page and API need the API token", async () => {
    expect((await page()).status).toBe(401);
    expect((await page()).headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect((await page(basic("wrong"))).status).toBe(401);
    expect((await page(basic(f.apiToken))).status).toBe(200);
    expect((await fetch(`${f.publicUrl}/api/v1/runners`)).status).toBe(401);
    const refused = await flotilla(["runners"], "x".repeat(48));
    expect(refused.exitCode).toBe(1);
    expect(refused.all).toContain("a valid `Authorization: Bearer <FLOTILLA_API_TOKEN>` is required");
  });
});

describe("namespaces follow repositories", () => {
  it("each following namespace gets its own check runs and status; others get none", { timeout: 300_000 }, async () => {
    expect((await flotilla(["namespace", "set", "vendor-lab", "--follows", "other-owner/*"])).stdout).toBe(
      "namespace vendor-lab follows other-owner/*",
    );
    expect((await flotilla(["namespace", "set", "ops-lab", "--follows", "Ops/*, someone/else"])).stdout).toBe(
      "namespace ops-lab follows Ops/*, someone/else",
    );
    const bad = await flotilla(["namespace", "set", "bad name"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.all).toContain(`namespace "bad name" may only hold letters`);
    const badFollow = await flotilla(["namespace", "set", "lab", "--follows", "just-an-owner"]);
    expect(badFollow.exitCode).toBe(1);
    expect(badFollow.all).toContain("follows.0: must be OWNER/REPO");
    const list = await flotilla(["namespace", "list"]);
    expect(list.stdout.split("\n")).toEqual([
      expect.stringMatching(/^NAME\s+RUNNERS\s+FOLLOWS$/),
      expect.stringMatching(/^default\s+\d+\s+every repository$/),
      expect.stringMatching(/^ops-lab\s+0\s+Ops\/\*, someone\/else$/),
      expect.stringMatching(/^vendor-lab\s+0\s+other-owner\/\*$/),
    ]);

    const sha = await push(
      "ops",
      "site",
      "name: CI\non: push\njobs:\n  build:\n    runs-on: [self-hosted, nowhere]\n    steps: [{ run: echo hi }]\n",
    );
    await f.fake.waitFor(() => f.fake.statuses.filter((s) => s.sha === sha).length === 2, { timeoutMs: 120_000 });
    await f.fake.waitFor(() => f.checkRunNames(sha).length === 2, {
      timeoutMs: 120_000,
    });
    expect(f.checkRunNames(sha)).toEqual(["build", "build [ops-lab]"]);
    expect(
      f.fake.statuses
        .filter((s) => s.sha === sha)
        .map((s) => s.status.context)
        .sort(),
    ).toEqual(["flotilla/CI", "flotilla/CI [ops-lab]"]);
    const lab = f.fake.checkRuns.find((r) => r.run.head_sha === sha && r.run.name === "build [ops-lab]")!;
    expect(output(lab).summary).toContain(
      "No runner in namespace `ops-lab` has the labels `nowhere`, `self-hosted`: the namespace has no runners.",
    );
    expect(output(lab).summary).toContain("flotilla runner register --labels nowhere,self-hosted --namespace ops-lab");

    // A change applies to the next event.
    await flotilla(["namespace", "set", "vendor-lab", "--follows", "other-owner/*,ops/site2"]);
    const next = await push(
      "ops",
      "site2",
      "name: CI\non: push\njobs:\n  build:\n    runs-on: [self-hosted, nowhere]\n    steps: [{ run: echo hi }]\n",
    );
    await f.fake.waitFor(() => f.checkRunNames(next).length === 3, {
      timeoutMs: 120_000,
    });
    expect(f.checkRunNames(next)).toEqual(["build", "build [ops-lab]", "build [vendor-lab]"]);

    const removeDefault = await flotilla(["namespace", "remove", "default"]);
    expect(removeDefault.exitCode).toBe(1);
    expect(removeDefault.all).toContain("the default namespace stays");
    expect((await flotilla(["namespace", "remove", "vendor-lab"])).stdout).toBe("namespace vendor-lab removed");
    expect((await flotilla(["namespace", "list", "--json"])).stdout).not.toContain("vendor-lab");
  });
});
