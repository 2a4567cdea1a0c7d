/**
 * Registering a runner as an operator does it, with real `flotilla` processes against a bot on
 * a nats-server with per-runner credentials: `token create`, `runner register` (a 0600 config
 * file), `runner start --config`, and the refusals an operator should see in plain words.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";
import { BIN } from "../helpers/flotilla-bin.ts";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { suiteProcesses } from "../helpers/suite-processes.ts";

const scratch = scratchDir("flotilla-register-");
const f = flotillaSuite({ natsAuth: true });
const keep = suiteProcesses();

function flotilla(args: string[]) {
  return keep(
    execa("node", [BIN, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: scratch(),
        LOG_FORMAT: "json",
        LOG_LEVEL: "info",
        FLOTILLA_URL: f.publicUrl,
        FLOTILLA_API_TOKEN: f.apiToken,
      },
      extendEnv: false,
      reject: false,
      all: true,
    }),
  );
}

/** `flotilla runner register` with a token, and whatever else the test gives it. */
const register = (token: string, ...args: string[]) =>
  flotilla(["runner", "register", "--url", f.publicUrl, "--token", token, ...args]);

it("registers a runner with a one-time token, writes its config 0600, and runs jobs with it", async () => {
  const created = await flotilla(["token", "create", "--namespace", "arm-lab", "--expires", "10m"]);
  expect(created.exitCode).toBe(0);
  const token = created.stdout.trim();
  expect(token).toMatch(/^flotilla-reg-/);
  expect(created.stderr).toContain('namespace "arm-lab"');

  const config = join(scratch(), "lab", "runner.json");
  const registered = await register(
    token,
    "--labels",
    "AARCH64",
    "--exclusive-labels",
    "gpu",
    "--name",
    "lab-1",
    "--config",
    config,
  );
  expect(registered.exitCode, registered.all).toBe(0);
  expect(registered.stdout).toContain('registered runner "lab-1"');
  expect((await stat(config)).mode & 0o777).toBe(0o600);
  const file = JSON.parse(await readFile(config, "utf8")) as {
    namespace: string;
    labels: string[];
    exclusiveLabels: string[];
    natsCreds?: string;
  };
  expect(file.namespace).toBe("arm-lab");
  // Aliases folded, and the automatic labels added.
  expect(file.labels).toEqual(expect.arrayContaining(["arm64", "gpu", "self-hosted", "linux"]));
  expect(file.exclusiveLabels).toEqual(["gpu"]);
  expect(file.natsCreds).toMatch(/BEGIN NATS USER JWT/);

  const reused = await register(token, "--name", "lab-2", "--config", join(scratch(), "other.json"));
  expect(reused.exitCode).toBe(1);
  expect(reused.all).toContain("this registration token was already used");
  const wrong = await register("flotilla-reg-nonsense", "--config", join(scratch(), "x.json"));
  expect(wrong.all).toContain("this registration token is not known");

  // The namespace exists now; a repository it follows gets its check runs.
  const { repo, sha } = await f.repository("ops", "registered", {
    ".flotilla/workflows/ci.yml":
      "on: push\njobs:\n  gpu:\n    runs-on: [self-hosted, gpu, aarch64]\n    steps: [{ run: echo on the registered runner }]\n" +
      "  lint:\n    runs-on: [self-hosted]\n    steps: [{ run: echo lint }]\n",
  });
  const runner = flotilla(["runner", "start", "--config", config, "--work-dir", join(scratch(), "work")]);
  await f.push(repo, sha);
  const [done] = await f.finished(sha, ["gpu [arm-lab]"]);
  expect(done.run.conclusion).toBe("success");
  expect((done.run.output as { text: string }).text).toContain("on the registered runner");
  // The GPU runner is kept for jobs that ask for `gpu`: the lint job waits, and says why.
  const lint = f.fake.checkRuns.find((r) => r.run.head_sha === sha && r.run.name === "lint [arm-lab]");
  expect(lint?.run).toMatchObject({ status: "queued", output: { title: expect.stringContaining("exclusive to gpu") } });

  const removed = await flotilla(["runner", "remove", "lab-1"]);
  expect(removed.stdout).toContain('removed runner "lab-1"');
  // Its credential is revoked: the runner process stops by itself.
  const ended = await runner;
  expect(ended.all).toMatch(/credential was refused|was removed/);
  const unknown = await flotilla(["runner", "remove", "lab-1"]);
  expect(unknown.exitCode).toBe(1);
  expect(unknown.all).toContain('no registered runner is named "lab-1"');
}, 240_000);
