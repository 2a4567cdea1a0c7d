/**
 * `flotilla runner install-service` as an operator runs it, on a registered runner's config
 * file: the unit it prints or writes runs `runner start --config FILE` with absolute paths,
 * restarts on failure and drains on stop — read back key by key and checked by systemd's own
 * `systemd-analyze verify` — and it enables nothing itself.
 */
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/flotilla-bin.ts";

let scratch: string;
/** In a directory with a space: the unit must keep the path whole. */
let config: string;
let fakeBin: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flotilla-service-"));
  config = join(scratch, "runner config", "runner.json");
  await mkdir(join(scratch, "runner config"));
  await writeFile(
    config,
    JSON.stringify({
      version: 1,
      id: "8f1d6c1e-3a53-4a8e-9a59-2d7f7f0c7a11",
      name: "lab-1",
      namespace: "arm-lab",
      labels: ["gpu"],
      natsUrl: "nats://127.0.0.1:4222",
      natsPrefix: "flotilla",
    }),
  );
  // A systemctl that leaves a trace: the command prints the systemctl commands, it runs none.
  fakeBin = join(scratch, "bin");
  await mkdir(fakeBin);
  await writeFile(join(fakeBin, "systemctl"), `#!/bin/sh\ntouch ${JSON.stringify(join(scratch, "systemctl-ran"))}\n`);
  await chmod(join(fakeBin, "systemctl"), 0o755);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function installService(args: string[], env: Record<string, string> = {}) {
  return execa("node", [BIN, "runner", "install-service", ...args], {
    cwd: scratch,
    env: { PATH: `${fakeBin}:${process.env.PATH ?? ""}`, HOME: join(scratch, "home"), ...env },
    extendEnv: false,
    reject: false,
  });
}

/** `[Section]` → key → values (a key may repeat, as Environment= does). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let section: Record<string, string[]> = {};
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) sections[header[1]!] = section = {};
    else {
      const eq = line.indexOf("=");
      (section[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
    }
  }
  return sections;
}

/** systemd's command-line words: whitespace-separated, double quotes keep a word whole. */
function words(commandLine: string): string[] {
  return [...commandLine.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1]?.replace(/\\(.)/g, "$1") ?? m[2]!);
}

async function verify(unitText: string, where: string): Promise<void> {
  await mkdir(where, { recursive: true });
  const path = join(where, "flotilla-runner.service");
  await writeFile(path, unitText);
  const verified = await execa("systemd-analyze", ["verify", path], { reject: false, all: true });
  expect(verified.exitCode, verified.all).toBe(0);
}

describe("flotilla runner install-service --dry-run", () => {
  it("prints a user unit that runs the registered runner, restarts it on failure and drains it on stop", async () => {
    const result = await installService(["--dry-run", "--config", config]);
    expect(result.exitCode, result.stderr).toBe(0);
    const unit = parseUnit(result.stdout);
    expect(unit.Unit?.Description).toEqual(["Flotilla runner lab-1 (namespace arm-lab)"]);
    const service = unit.Service!;
    expect(words(service.ExecStart![0]!)).toEqual([process.execPath, BIN, "runner", "start", "--config", config]);
    expect(service.WorkingDirectory).toEqual([join(scratch, "runner config")]);
    expect(service.Restart).toEqual(["on-failure"]);
    expect(service.KillSignal).toEqual(["SIGTERM"]);
    // SIGTERM to the runner alone, which stops its steps itself; the default drain is 300 s.
    expect(service.KillMode).toEqual(["mixed"]);
    expect(Number(service.TimeoutStopSec)).toBeGreaterThan(300);
    expect(service.User).toBeUndefined();
    expect(unit.Install?.WantedBy).toEqual(["default.target"]);
    await verify(result.stdout, join(scratch, "verify-user"));
    expect(existsSync(join(scratch, "home", ".config"))).toBe(false);
    expect(existsSync(join(scratch, "systemctl-ran"))).toBe(false);
  });

  it("waits past a longer drain grace, and carries it and PATH into the unit", async () => {
    const result = await installService(["--dry-run", "--config", config], {
      FLOTILLA_RUNNER_DRAIN_GRACE_MS: "900000",
      FLOTILLA_API_TOKEN: "a-secret",
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const service = parseUnit(result.stdout).Service!;
    expect(Number(service.TimeoutStopSec)).toBeGreaterThan(900);
    expect(service.Environment).toContain("FLOTILLA_RUNNER_DRAIN_GRACE_MS=900000");
    expect(service.Environment).toContain(`PATH=${fakeBin}:${process.env.PATH ?? ""}`);
    expect(result.stdout).not.toContain("a-secret");
  });

  it("--system: a unit that runs as this user, for multi-user.target", async () => {
    const result = await installService(["--system", "--dry-run", "--config", config]);
    expect(result.exitCode, result.stderr).toBe(0);
    const unit = parseUnit(result.stdout);
    expect(unit.Service?.User).toEqual([userInfo().username]);
    expect(unit.Install?.WantedBy).toEqual(["multi-user.target"]);
    await verify(result.stdout, join(scratch, "verify-system"));
  });
});

describe("flotilla runner install-service", () => {
  it("writes the user unit under XDG_CONFIG_HOME and prints the systemctl commands, running none", async () => {
    const xdg = join(scratch, "xdg");
    const dry = await installService(["--dry-run", "--config", config]);
    const result = await installService(["--config", config], { XDG_CONFIG_HOME: xdg });
    expect(result.exitCode, result.stderr).toBe(0);
    const path = join(xdg, "systemd", "user", "flotilla-runner.service");
    // execa drops the last newline of what it captures.
    expect(await readFile(path, "utf8")).toBe(`${dry.stdout}\n`);
    expect(result.stdout).toContain(`wrote ${path}`);
    expect(result.stdout).toContain("systemctl --user daemon-reload");
    expect(result.stdout).toContain("systemctl --user enable --now flotilla-runner");
    expect(existsSync(join(scratch, "systemctl-ran"))).toBe(false);
  });

  it("without XDG_CONFIG_HOME, writes it under ~/.config, for the default config file", async () => {
    const home = join(scratch, "home");
    await mkdir(join(home, ".flotilla"), { recursive: true });
    await writeFile(join(home, ".flotilla", "runner.json"), await readFile(config));
    const result = await installService([]);
    expect(result.exitCode, result.stderr).toBe(0);
    const unit = parseUnit(await readFile(join(home, ".config", "systemd", "user", "flotilla-runner.service"), "utf8"));
    expect(words(unit.Service!.ExecStart![0]!).at(-1)).toBe(join(home, ".flotilla", "runner.json"));
  });

  it("refuses a runner that is not registered, and --user with --system", async () => {
    const missing = await installService(["--config", join(scratch, "none.json")]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("register first");
    const both = await installService(["--user", "--system", "--dry-run", "--config", config]);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toContain("flotilla runner install-service: --user and --system: one or the other");
  });
});
