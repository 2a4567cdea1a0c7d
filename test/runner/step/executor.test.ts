import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processExecutor, type StepRequest } from "../../../runner/step/executor.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-exec-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(request: Partial<StepRequest> & { script: string }) {
  const lines: string[] = [];
  const outcome = await processExecutor({ cancelGraceMs: 500 }).run({
    cwd: dir,
    scriptDir: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    onLine: (line) => lines.push(line),
    ...request,
  });
  return { outcome, lines };
}

describe("processExecutor", () => {
  it("runs bash with pipefail and reports the exit code", async () => {
    const { outcome, lines } = await run({ script: "echo one\nfalse | true\necho unreachable" });
    expect(outcome).toMatchObject({ conclusion: "failure", exitCode: 1, message: "the step exited with code 1" });
    expect(lines).toEqual(["one"]);
  });

  it("runs sh -e and custom {0} shells, and keeps a last line without newline", async () => {
    expect((await run({ script: "printf 'a\\nb'", shell: "sh" })).lines).toEqual(["a", "b"]);
    const custom = await run({ script: "echo $0 >/dev/null; echo custom", shell: "bash --noprofile {0}" });
    expect(custom).toMatchObject({ outcome: { conclusion: "success" }, lines: ["custom"] });
  });

  it("fails clearly on an unknown shell or a missing working directory", async () => {
    expect((await run({ script: "x", shell: "pwsh" })).outcome.message).toMatch(/shell "pwsh" is not supported/);
    expect((await run({ script: "x", cwd: join(dir, "nope") })).outcome.message).toMatch(
      /working directory .* does not exist/,
    );
  });

  it("reports an abort with its reason as cancelled", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort({ kind: "cancelled", message: "cancelled by /cancel" }), 300);
    const { outcome } = await run({ script: "sleep 1000", signal: controller.signal });
    expect(outcome).toMatchObject({ conclusion: "cancelled", message: "cancelled by /cancel" });
    expect(outcome.durationMs).toBeLessThan(5_000);
  });

  it("cancels a step whose abort came while it was being set up, before its process started", async () => {
    const controller = new AbortController();
    // run() checks the signal, then writes the script and spawns: the abort lands in between.
    const running = run({ script: "sleep 1000", signal: controller.signal });
    controller.abort({ kind: "cancelled", message: "interrupted (Ctrl-C)" });
    const { outcome } = await running;
    expect(outcome).toMatchObject({ conclusion: "cancelled", message: "interrupted (Ctrl-C)" });
    expect(outcome.durationMs).toBeLessThan(5_000);
  }, 15_000);
});
