/**
 * A bad setting as an operator meets it: `flotilla` started as a process with a broken
 * environment names every bad variable at once and what is wrong with it, prints no stack
 * trace, and exits 2 — before it starts anything.
 */
import { join } from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";
import { BIN } from "../helpers/flotilla-bin.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-config-");

function flotilla(args: string[], env: Record<string, string>) {
  return execa("node", [BIN, ...args], {
    cwd: scratch(),
    env: { PATH: process.env.PATH ?? "", HOME: scratch(), DATA_DIR: join(scratch(), "data"), ...env },
    extendEnv: false,
    reject: false,
  });
}

function expectListed(result: { exitCode?: number; stderr: string; stdout: string }, command: string, lines: RegExp[]) {
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stderr).toContain(`flotilla ${command}: invalid configuration:`);
  for (const line of lines) expect(result.stderr).toMatch(line);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stdout).toBe("");
}

it("flotilla dev lists the bot's and its local runner's problems together", async () => {
  const result = await flotilla(["dev"], {
    PORT: "eighty",
    GIT_POLL_SECONDS: "0",
    NATS_PREFIX: "no.dots",
    NATS_LISTEN: "4222",
    LOG_LEVEL: "loud",
    FLOTILLA_RUNNER_CONCURRENCY: "two",
  });
  expectListed(result, "dev", [
    /^ {2}- PORT: /m,
    /^ {2}- GIT_POLL_SECONDS: must be at least 1$/m,
    /^ {2}- NATS_PREFIX: letters, digits/m,
    /^ {2}- NATS_LISTEN: must be HOST:PORT, e\.g\. 0\.0\.0\.0:4222$/m,
    /^ {2}- LOG_LEVEL: "loud" is not one of trace, debug/m,
    /^ {2}- concurrency \(FLOTILLA_RUNNER_CONCURRENCY\): /m,
  ]);
  // Listed once, though the bot and the runner both read it.
  expect(result.stderr.match(/LOG_LEVEL/g)).toHaveLength(1);
});

it("flotilla bot and flotilla migrate name the bad variables", async () => {
  const bot = await flotilla(["bot"], { GITLAB_URL: "not a url", FLOTILLA_API_TOKEN: "short", LOG_FORMAT: "fancy" });
  expectListed(bot, "bot", [
    /^ {2}- GITLAB_URL: /m,
    /^ {2}- FLOTILLA_API_TOKEN: must be at least 16 characters$/m,
    /^ {2}- LOG_FORMAT: "fancy" is not json or pretty$/m,
  ]);
  const unsigned = await flotilla(["bot"], { GITLAB_URL: "https://gitlab.example.com", GITLAB_TOKEN: "t" });
  expectListed(unsigned, "bot", [/^ {2}- GITLAB_WEBHOOK_SECRET: is not set/m]);
  const migrate = await flotilla(["migrate"], { JOB_MAX_ATTEMPTS: "0" });
  expectListed(migrate, "migrate", [/^ {2}- JOB_MAX_ATTEMPTS: /m]);
});

it("flotilla runner start names each bad variable, and a bad flag by its option", async () => {
  const result = await flotilla(["runner", "start", "--concurrency", "zero"], {
    FLOTILLA_RUNNER_KEEP_WORKSPACE: "maybe",
    FLOTILLA_RUNNER_NAMESPACE: "a.b",
    FLOTILLA_RUNNER_HEARTBEAT_MS: "-5",
    LOG_LEVEL: "chatty",
  });
  expectListed(result, "runner start", [
    /^ {2}- natsUrl \(FLOTILLA_NATS_URL\): /m,
    /^ {2}- FLOTILLA_RUNNER_KEEP_WORKSPACE: "maybe" is not a boolean$/m,
    /^ {2}- namespace \(FLOTILLA_RUNNER_NAMESPACE\): /m,
    /^ {2}- heartbeatMs \(FLOTILLA_RUNNER_HEARTBEAT_MS\): /m,
    /^ {2}- LOG_LEVEL: "chatty"/m,
    /^ {2}- concurrency: /m,
  ]);
});
