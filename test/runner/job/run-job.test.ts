import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runnerArch, runnerOs } from "../../../protocol/labels.ts";
import { repoSuite } from "../repo-suite.ts";
import { randomId } from "../support.ts";

const namespace = randomId("ns");
const suite = repoSuite({ "README.md": "hello from the repo\n", "src/main.sh": "echo main\n" }, { namespace });

beforeAll(() => {
  // Set in the runner's own environment: a step must never see it.
  process.env.SECRET_OF_RUNNER = "runner-only-value";
});

afterAll(() => {
  delete process.env.SECRET_OF_RUNNER;
});

describe("a runner running jobs", () => {
  it("reports started, steps and success, with the log in order and its tail", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    const id = await suite.publish(namespace, {
      steps: [
        { name: "Greet", run: "echo first-line\necho second-line >&2\ncat README.md" },
        { name: "Build", run: "for i in 1 2 3; do echo build-$i; done", workingDirectory: "src" },
      ],
    });
    const completed = await suite.bus.reports.completed(id);
    expect(completed.conclusion).toBe("success");
    expect(completed.attempt).toBe(1);
    expect(completed.steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Greet", "success"],
      ["Build", "success"],
    ]);

    const events = suite.bus.reports.events(id);
    expect(events.map((e) => (e.type === "step" ? `step:${e.index}:${e.status}` : e.type))).toEqual([
      "started",
      "step:0:in_progress",
      "step:0:completed",
      "step:1:in_progress",
      "step:1:completed",
      "completed",
    ]);
    const started = events[0];
    expect(started?.type === "started" && started.runner).toMatchObject({
      name: runner.runner.name,
      namespace,
      labels: expect.arrayContaining(["self-hosted"]),
    });

    // The bot may read the log before the last chunk lands; the runner awaits acks before `completed`.
    const log = suite.bus.reports.log(id);
    const order = [
      "▶ Greet",
      "first-line",
      "second-line",
      "hello from the repo",
      "▶ Build",
      "build-1",
      "build-2",
      "build-3",
    ];
    const positions = order.map((line) => log.indexOf(`${line}\n`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const chunks = suite.bus.reports.chunks(id);
    chunks.forEach((chunk, i) => {
      expect(chunk.seq).toBe(i);
      expect(chunk.offset).toBe(chunks.slice(0, i).reduce((n, c) => n + Buffer.byteLength(c.data), 0));
    });
    expect(completed.logTail).toContain("build-3");
    expect(log.endsWith(completed.logTail)).toBe(true);
    await runner.stop();
  });

  it("fails the job at a failing step and skips the rest; builds the step env from scratch", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    const id = await suite.publish(namespace, {
      env: { FROM_WORKFLOW: "wf", OVERRIDDEN: "wf" },
      steps: [
        { name: "Env", run: "env | sort", env: { OVERRIDDEN: "step" } },
        { name: "Tolerated", run: "exit 3", continueOnError: true },
        { name: "Break", run: "echo about to fail; false; echo not reached" },
        { name: "Never", run: "echo should-not-run" },
      ],
    });
    const completed = await suite.bus.reports.completed(id);
    expect(completed.conclusion).toBe("failure");
    // continue-on-error: GitHub's outcome is failure, its conclusion success.
    expect(completed.steps.map((s) => [s.outcome, s.conclusion])).toEqual([
      ["success", "success"],
      ["failure", "success"],
      ["failure", "failure"],
      ["skipped", "skipped"],
    ]);
    expect(completed.message).toContain("Break");
    const log = suite.bus.reports.log(id);
    expect(log).not.toContain("should-not-run");
    expect(log).not.toContain("not reached");
    for (const line of [
      `GITHUB_SHA=${suite.sha}`,
      `RUNNER_OS=${runnerOs()}`,
      `RUNNER_ARCH=${runnerArch()}`,
      "CI=true",
      "GITHUB_ACTIONS=true",
      "FLOTILLA=true",
      "GITHUB_REPOSITORY=octo/widgets",
      "GITHUB_REF_NAME=main",
      "FROM_WORKFLOW=wf",
      "OVERRIDDEN=step",
    ]) {
      expect(log).toContain(`\n${line}\n`);
    }
    expect(log).not.toContain("SECRET_OF_RUNNER");
    expect(log).not.toContain("runner-only-value");
    expect(log).not.toMatch(/\nNATS_URL=|\nFLOTILLA_NATS/);
    await runner.stop();
  });

  it("never lets the clone token into the log, the step env or .git/config", async () => {
    const token = "ghs_sup3rSecretT0kenValue";
    const runner = await suite.bus.startRunner({ namespace, keepWorkspace: true });
    const id = await suite.publish(namespace, {
      token,
      steps: [
        { name: "Snoop", run: "env; cat .git/config; git config --list --show-origin || true; ps -eo args || true" },
      ],
    });
    const completed = await suite.bus.reports.completed(id);
    expect(completed.conclusion).toBe("success");
    const log = suite.bus.reports.log(id);
    const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
    for (const secret of [token, basic, "GIT_CONFIG_VALUE_0", "extraHeader"]) expect(log).not.toContain(secret);
    const gitConfig = await readFile(join(suite.bus.workDir, id, "workspace", ".git", "config"), "utf8");
    expect(gitConfig).toContain(`file://${suite.repoDir}`);
    expect(gitConfig).not.toContain(token);
    expect(gitConfig).not.toContain(basic);
    await runner.stop();
  });

  it("reports a checkout that cannot happen as a failure with a clear message", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    const id = await suite.publish(namespace, {
      sha: "0".repeat(40),
      steps: [{ name: "Never", run: "echo never" }],
    });
    const completed = await suite.bus.reports.completed(id);
    expect(completed.conclusion).toBe("failure");
    expect(completed.message).toMatch(/^checkout failed: git fetch failed/);
    expect(completed.steps.map((s) => s.conclusion)).toEqual(["skipped"]);
    await runner.stop();
  });

  it("terminates a malformed job message and keeps running", async () => {
    const runner = await suite.bus.startRunner({ namespace });
    await suite.bus.publishRaw(["self-hosted"], new TextEncoder().encode("{ this is not json"), namespace);
    await suite.bus.publishRaw(
      ["self-hosted"],
      new TextEncoder().encode(JSON.stringify({ v: 1, runId: "r" })),
      namespace,
    );
    const id = await suite.publish(namespace, { steps: [{ name: "Ok", run: "echo ok" }] });
    expect((await suite.bus.reports.completed(id)).conclusion).toBe("success");
    expect(runner.stats().rejected).toBe(2);
    await runner.stop();
  });
});
