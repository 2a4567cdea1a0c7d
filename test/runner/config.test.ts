import { describe, expect, it } from "vitest";
import { defaultRunnerLabels } from "../../protocol/labels.ts";
import { readRunnerConfig, RunnerConfigError } from "../../runner/config.ts";

describe("readRunnerConfig", () => {
  it("fills defaults and always carries the default labels", () => {
    const config = readRunnerConfig({ FLOTILLA_NATS_URL: "nats://nats:4222", FLOTILLA_RUNNER_LABELS: "GPU, aarch64" });
    expect(config).toMatchObject({
      natsUrl: "nats://nats:4222",
      natsPrefix: "flotilla",
      namespace: "default",
      keepWorkspace: false,
      cancelGraceMs: 10_000,
      concurrency: 1,
    });
    expect(config.labels).toEqual(expect.arrayContaining([...defaultRunnerLabels(), "gpu", "arm64"]));
    // The lease comes with each job message; the runner has none of its own unless told.
    expect(config.leaseExtendMs).toBeUndefined();
    expect(config.name).toMatch(/\S/);
    expect(config.workDir).toMatch(/\S/);
  });

  it("adds exclusive labels to the runner's labels", () => {
    const config = readRunnerConfig({ FLOTILLA_NATS_URL: "nats://a", FLOTILLA_RUNNER_EXCLUSIVE_LABELS: "GPU" });
    expect(config.exclusiveLabels).toEqual(["gpu"]);
    expect(config.labels).toEqual(expect.arrayContaining([...defaultRunnerLabels(), "gpu"]));
  });

  it("lets overrides win over the environment", () => {
    const config = readRunnerConfig(
      { FLOTILLA_NATS_URL: "nats://a", FLOTILLA_RUNNER_NAMESPACE: "x86-lab" },
      { natsUrl: "nats://b", labels: ["linux"], keepWorkspace: true },
    );
    expect(config).toMatchObject({ natsUrl: "nats://b", namespace: "x86-lab", keepWorkspace: true });
  });

  it("lists every problem at once", () => {
    let error: unknown;
    try {
      readRunnerConfig({
        FLOTILLA_RUNNER_CONCURRENCY: "zero",
        FLOTILLA_RUNNER_KEEP_WORKSPACE: "maybe",
        FLOTILLA_RUNNER_NAMESPACE: "a.b",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RunnerConfigError);
    const problems = (error as RunnerConfigError).problems.join("\n");
    for (const key of [
      "FLOTILLA_NATS_URL",
      "FLOTILLA_RUNNER_CONCURRENCY",
      "FLOTILLA_RUNNER_KEEP_WORKSPACE",
      "FLOTILLA_RUNNER_NAMESPACE",
    ])
      expect(problems).toContain(key);
  });
});
