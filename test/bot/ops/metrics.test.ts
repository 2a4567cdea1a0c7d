import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningRunner } from "../../../runner/index.ts";
import { startFlotilla, type Flotilla } from "../../helpers/flotilla.ts";
import { sampleValue, scrape } from "../../helpers/prometheus-text.ts";
import { until } from "../../helpers/until.ts";

const WORKFLOW = `name: CI
on: push
jobs:
  passes:
    runs-on: self-hosted
    steps:
      - run: echo "some log output"
  fails:
    runs-on: self-hosted
    steps:
      - run: exit 3
  needs-gpu:
    runs-on: [self-hosted, gpu]
    steps:
      - run: echo never
`;

describe("/metrics on the bot and on a runner, after real jobs", () => {
  let f: Flotilla;
  let runner: RunningRunner;
  let sha: string;
  beforeAll(async () => {
    f = await startFlotilla();
    runner = await f.startRunner({ name: "metered", config: { metricsPort: 0, metricsHost: "127.0.0.1" } });
    ({ sha } = await f.pushRepository("acme", "metered", { ".flotilla/workflows/ci.yml": WORKFLOW }));
    await f.finished(sha, ["passes", "fails"]);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  const bot = () => scrape(`${f.publicUrl}/metrics`);

  it("counts the push received, by forge, event and answer", async () => {
    expect(
      sampleValue(await bot(), "flotilla_webhooks_received_total", { forge: "github", event: "push", answer: "202" }),
    ).toBe(1);
    await f.deliver("push", { not: "a push" });
    expect(
      sampleValue(await bot(), "flotilla_webhooks_received_total", { forge: "github", event: "push", answer: "400" }),
    ).toBe(1);
  });

  it("has each finished job's wait and duration by namespace, labelset and conclusion", async () => {
    const text = await until(
      async () => {
        const t = await bot();
        return sampleValue(t, "flotilla_job_duration_seconds_count", { conclusion: "failure" }) === 1 && t;
      },
      20_000,
      "the failed job's duration",
    );
    for (const conclusion of ["success", "failure"]) {
      const labels = { namespace: "default", labelset: "self-hosted", conclusion };
      expect(sampleValue(text, "flotilla_job_duration_seconds_count", labels)).toBe(1);
      expect(sampleValue(text, "flotilla_job_queue_wait_seconds_count", labels)).toBe(1);
      expect(sampleValue(text, "flotilla_job_duration_seconds_bucket", { ...labels, le: "+Inf" })).toBe(1);
    }
  });

  it("reads jobs queued per namespace and labelset from the JetStream consumers", async () => {
    const text = await bot();
    expect(sampleValue(text, "flotilla_jobs_queued", { namespace: "default", labelset: "gpu,self-hosted" })).toBe(1);
    expect(sampleValue(text, "flotilla_jobs_queued", { namespace: "default", labelset: "self-hosted" })).toBe(0);
    expect(sampleValue(text, "flotilla_jobs_in_flight", { namespace: "default", labelset: "self-hosted" })).toBe(0);
  });

  it("counts runners by namespace and state, GitHub calls by route and status, and log bytes", async () => {
    const text = await until(
      async () => {
        const t = await bot();
        return sampleValue(t, "flotilla_runners", { namespace: "default", state: "online" }) === 1 && t;
      },
      20_000,
      "the runner online",
    );
    const created = sampleValue(text, "flotilla_forge_api_requests_total", {
      forge: "github",
      method: "POST",
      route: "/repos/{owner}/{repo}/check-runs",
      status: "201",
    });
    expect(created).toBe(3);
    expect(sampleValue(text, "flotilla_log_bytes_stored_total")).toBeGreaterThan("some log output".length);
    expect(sampleValue(text, "flotilla_object_store_bytes", { store: "artifacts" })).toBe(0);
  });

  it("serves the runner's own /metrics and /healthz on --metrics-port", async () => {
    const base = `http://127.0.0.1:${runner.metricsPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const text = await scrape(`${base}/metrics`);
    expect(sampleValue(text, "flotilla_runner_jobs_completed_total", { conclusion: "success" })).toBe(1);
    expect(sampleValue(text, "flotilla_runner_jobs_completed_total", { conclusion: "failure" })).toBe(1);
    expect(sampleValue(text, "flotilla_runner_slots")).toBe(1);
    expect(sampleValue(text, "flotilla_runner_jobs_running")).toBe(0);
    expect(sampleValue(text, "flotilla_runner_info", { runner: "metered", namespace: "default" })).toBe(1);
  });
});
