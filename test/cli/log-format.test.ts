/**
 * What `npm start` (`flotilla dev`) writes, as a real process: JSON lines when its output is a
 * pipe — every line, of every part (bot, local runner, embedded NATS), with the same fields —
 * and readable pino-pretty lines on a terminal (a pseudo-terminal from util-linux `script`),
 * unless LOG_FORMAT says otherwise. (Probot, once an App is configured, logs through the same
 * logger: bot/forges/github/github-app.ts hands it ours.)
 */
import { join } from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";
import { BIN } from "../helpers/flotilla-bin.ts";
import { freePort } from "../helpers/free-port.ts";
import { sharedNatsUrl, uniquePrefix } from "../helpers/nats-server.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { suiteProcesses } from "../helpers/suite-processes.ts";
import { until } from "../helpers/until.ts";

const scratch = scratchDir("flotilla-logs-");
const keep = suiteProcesses();

/** `flotilla dev` with no GitHub App (its first page offers to register one) on a port of its own. */
async function devEnv(name: string, env: Record<string, string> = {}): Promise<Record<string, string>> {
  const port = await freePort();
  return {
    PATH: process.env.PATH ?? "",
    HOME: scratch(),
    DATA_DIR: join(scratch(), name),
    PORT: String(port),
    HOST: "127.0.0.1",
    ...env,
  };
}

const started = (output: () => string) => until(async () => /local runner started/.test(output()), 120_000, "dev up");

it("writes JSON lines, every one with the same fields, when its output is not a terminal", async () => {
  const child = keep(execa("node", [BIN, "dev"], { env: await devEnv("pipe"), extendEnv: false, reject: false }));
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  await started(() => stdout);
  child.kill("SIGTERM");
  const ended = await child;
  expect(ended.exitCode, ended.stderr).toBe(0);
  const lines = ended.stdout.split("\n").filter(Boolean);
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const entry of entries)
    expect(Object.keys(entry)).toEqual(expect.arrayContaining(["level", "time", "pid", "hostname", "name", "msg"]));
  const messages = entries.map((entry) => `${entry.name}: ${entry.msg}`);
  expect(messages.some((m) => /^flotilla: no GitHub App or GitLab configured/.test(m))).toBe(true);
  expect(messages).toContain("flotilla: local runner started");
  expect(new Set(entries.map((entry) => entry.pid))).toEqual(new Set([child.pid]));
}, 180_000);

/** `flotilla dev` on a pseudo-terminal; stopped by SIGTERM to flotilla itself (script's child). */
async function onTerminal(name: string, env: Record<string, string> = {}): Promise<string> {
  // A shared NATS: nothing of flotilla's outlives it should the terminal go away first.
  const settings = await devEnv(name, { NATS_URL: sharedNatsUrl(), NATS_PREFIX: uniquePrefix("logs"), ...env });
  const terminal = keep(
    execa("script", ["-qfc", `exec node ${BIN} dev`, "/dev/null"], {
      env: settings,
      extendEnv: false,
      reject: false,
    }),
  );
  let output = "";
  terminal.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await started(() => output);
  const { stdout: pid } = await execa("pgrep", ["-P", String(terminal.pid)]);
  process.kill(Number(pid.trim()), "SIGTERM");
  await terminal;
  return output;
}

it("writes pretty lines on a terminal, and JSON there when LOG_FORMAT=json", async () => {
  const pretty = await onTerminal("tty");
  expect(pretty).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] \S*INFO\S* \(flotilla\): \S*no GitHub App or GitLab configured/m);
  expect(pretty).toMatch(/\(flotilla\): \S*local runner started/);
  expect(pretty).not.toContain('{"level"');

  const json = await onTerminal("tty-json", { LOG_FORMAT: "json" });
  const lines = json.split(/\r?\n/).filter((line) => line.trim() !== "");
  expect(lines.length).toBeGreaterThan(3);
  for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
}, 240_000);
