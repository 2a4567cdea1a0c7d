/**
 * docs/getting-started.md walked as written, with real processes: `npm start` (`flotilla dev`,
 * its GitHub App on the fake GitHub) in a clone whose `.env` holds what step 4 says to add; then
 * step 4's commands — `flotilla token create` there, `flotilla runner register` and
 * `flotilla runner start` as on another machine (a home of its own) — and a job for the second
 * runner's labels runs on it, through `npm start`'s own NATS with its per-runner credentials.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, expect, it } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.ts";
import { BIN } from "../helpers/flotilla-bin.ts";
import { freePort } from "../helpers/free-port.ts";
import { createAppCredentials } from "../helpers/github-app.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { suiteProcesses } from "../helpers/suite-processes.ts";
import { devProcess, pushAndWait, type DevApp } from "./dev-support.ts";

const scratch = scratchDir("flotilla-getting-started-");
let fake: FakeGitHub;
beforeAll(async () => {
  fake = await startFakeGitHub({ app: { appId: app.appId, publicKey: app.publicKey } });
  return () => fake.close();
});
const keep = suiteProcesses();
const app = createAppCredentials();

/** `flotilla …` as a person types it in `cwd`, with `home` as their home directory. */
function flotilla(args: string[], cwd: string, env: Record<string, string> = {}) {
  return keep(
    execa("node", [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: cwd, LOG_FORMAT: "json", ...env },
      extendEnv: false,
      reject: false,
      all: true,
    }),
  );
}

/** The fenced `sh` block of the docs' section that starts with `heading`. */
async function commandsOf(heading: string): Promise<string[]> {
  const page = await readFile(new URL("../../docs/getting-started.md", import.meta.url), "utf8");
  const section = page.slice(page.indexOf(heading));
  return [...section.matchAll(/```(sh|ini)\n([\s\S]*?)```/g)].map((block) => block[2] ?? "");
}

it("step 4: a runner on another machine, registered with a token, runs a job through npm start's NATS", async () => {
  const dev: DevApp = { scratch: scratch(), app, fake };
  const port = await freePort();
  const natsPort = await freePort();
  const clone = join(scratch(), "flotilla");
  await mkdir(clone);
  // Step 4's .env lines, as the page has them, with this machine's address and a token made here.
  const [envBlock = "", tokenBlock = "", otherBlock = ""] = await commandsOf("## 4.");
  expect(envBlock).toMatch(/^NATS_LISTEN=0\.0\.0\.0:4222$/m);
  expect(envBlock).toMatch(/^FLOTILLA_RUNNER_NATS_URL=nats:\/\/ci\.example\.com:4222$/m);
  expect(envBlock).toMatch(/^FLOTILLA_API_TOKEN=/m);
  const apiToken = randomBytes(24).toString("hex");
  await writeFile(
    join(clone, ".env"),
    envBlock
      .replace(/^FLOTILLA_API_TOKEN=.*$/m, `FLOTILLA_API_TOKEN=${apiToken}`)
      .replaceAll("0.0.0.0:4222", `127.0.0.1:${natsPort}`)
      .replaceAll("ci.example.com:4222", `127.0.0.1:${natsPort}`),
  );
  const bot = keep(devProcess(dev, port, { cwd: clone }));
  // The local runner first: npm start is up and runs jobs.
  await pushAndWait(dev, port, "local");

  const botUrl = `http://127.0.0.1:${port}`;
  expect(tokenBlock.trim()).toBe("npx flotilla token create");
  const created = await flotilla(["token", "create"], clone, { FLOTILLA_URL: botUrl });
  expect(created.exitCode, created.all).toBe(0);
  const token = created.stdout.trim();
  expect(token).toMatch(/^flotilla-reg-/);

  const [register = "", start = ""] = otherBlock.trim().split("\n");
  expect(register).toBe(
    "npx flotilla runner register --url http://ci.example.com:3000 --token <token> --labels gpu,cuda12 --name gpu-box-1",
  );
  expect(start).toBe("npx flotilla runner start");
  const other = join(scratch(), "other-machine");
  await mkdir(other);
  // Started without registering, it is told what to do instead of "Authorization Violation".
  const unregistered = await flotilla(["runner", "start", "--nats", `nats://127.0.0.1:${natsPort}`], other);
  expect(unregistered.exitCode).toBe(1);
  expect(unregistered.all).toContain("wants a credential of each runner, and this one has none: register it");
  expect(unregistered.all).not.toMatch(/^\s+at /m);
  const registered = await flotilla(
    ["runner", "register", "--url", botUrl, "--token", token, "--labels", "gpu,cuda12", "--name", "gpu-box-1"],
    other,
  );
  expect(registered.exitCode, registered.all).toBe(0);
  expect(registered.stdout).toContain(join(other, ".flotilla", "runner.json"));
  const runner = flotilla(["runner", "start"], other);

  const summary = await pushAndWait(dev, port, "gpu", "[self-hosted, gpu]");
  expect(summary).toContain("Ran on `gpu-box-1`");

  runner.kill("SIGTERM");
  const ended = await runner;
  expect(ended.exitCode, ended.all).toBe(0);
  expect(ended.all).not.toMatch(/Authorization Violation/i);
  bot.kill("SIGTERM");
  expect((await bot).exitCode).toBe(0);
}, 480_000);
