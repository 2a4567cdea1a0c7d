/**
 * `--help` on every command, read from the command registry so a new command is covered by
 * being listed: the real binary answers with that command's usage and exit 0 and starts
 * nothing — with no NATS or database reachable, no port is bound and no data directory made.
 * A mistyped option or a missing argument is named, with the usage, exit 2.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../cli/command-registry.js";
import { BIN } from "../helpers/flotilla-bin.ts";
import { freePort } from "../helpers/free-port.ts";

const VERSION: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

/** Every command as it is typed: `dev`, `runner`, `runner start`, … */
const PATHS: string[][] = COMMANDS.flatMap((command) => [
  [command.name],
  ...(command.subcommands ?? []).map((sub) => [command.name, sub.name]),
]);
/** The commands that run (not `runner`, which only names its own). */
const LEAVES = COMMANDS.flatMap((command) =>
  command.subcommands
    ? command.subcommands.map((sub) => [command.name, sub.name])
    : command.run
      ? [[command.name]]
      : [],
);

let scratch: string;
let port: number;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flotilla-help-"));
  port = await freePort();
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Nothing reachable: a command that ran would fail, hang on NATS, or make DATA_DIR. */
function flotilla(args: string[], options: { nodeArgs?: string[]; input?: string } = {}) {
  return execa("node", [...(options.nodeArgs ?? []), BIN, ...args], {
    cwd: scratch,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: scratch,
      PORT: String(port),
      DATA_DIR: join(scratch, "data"),
      NATS_URL: "nats://127.0.0.1:1",
      DATABASE_URL: "postgres://flotilla@127.0.0.1:1/none",
      FLOTILLA_URL: "http://127.0.0.1:1",
      FLOTILLA_API_TOKEN: "unused",
    },
    extendEnv: false,
    reject: false,
    input: options.input ?? "",
    timeout: 30_000,
  });
}

function listening(at: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(at, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe.concurrent("flotilla COMMAND --help", () => {
  it.each(PATHS.map((path) => [path.join(" "), path]))(
    "%s --help prints its usage and runs nothing",
    async (_, path) => {
      for (const flag of ["--help", "-h"]) {
        const result = await flotilla([...path!, flag]);
        expect(result.exitCode, result.stderr).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`^Usage: flotilla ${path!.join(" ")}\\b`));
        expect(result.stderr).toBe("");
      }
      expect(await listening(port)).toBe(false);
      expect(existsSync(join(scratch, "data"))).toBe(false);
    },
  );

  it.each(LEAVES.map((path) => [path.join(" "), path]))(
    "%s --no-such-option names the option, with the usage, exit 2",
    async (_, path) => {
      const result = await flotilla([...path!, "--no-such-option"]);
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toContain(`flotilla ${path!.join(" ")}: unknown option --no-such-option`);
      expect(result.stderr).toContain(`Usage: flotilla ${path!.join(" ")}`);
      expect(result.stdout).toBe("");
    },
  );
});

describe("flotilla --help", () => {
  it("lists every command, also as `flotilla help` and with no command", async () => {
    const answers = await Promise.all([flotilla(["--help"]), flotilla(["-h"]), flotilla(["help"]), flotilla([])]);
    for (const answer of answers) {
      expect(answer.exitCode).toBe(0);
      for (const path of LEAVES) expect(answer.stdout).toMatch(new RegExp(`^  ${path.join(" ")}\\b`, "m"));
    }
    expect(new Set(answers.map((a) => a.stdout)).size).toBe(1);
  });

  it("`help COMMAND` is `COMMAND --help`", async () => {
    const [asked, flagged] = await Promise.all([
      flotilla(["help", "runner", "start"]),
      flotilla(["runner", "start", "--help"]),
    ]);
    expect(asked.exitCode).toBe(0);
    expect(asked.stdout).toBe(flagged.stdout);
  });

  it("loads neither tsx nor probot", async () => {
    // Every module resolved, from a resolve hook of the process's own.
    const trace = join(scratch, "resolved.txt");
    await writeFile(
      join(scratch, "hooks.mjs"),
      `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, resolved.url + "\\n");
  return resolved;
}`,
    );
    await writeFile(
      join(scratch, "trace.mjs"),
      `import { register } from "node:module"; register("./hooks.mjs", import.meta.url);`,
    );
    for (const args of [["--help"], ["bot", "--help"], ["--version"]]) {
      await rm(trace, { force: true });
      const result = await flotilla(args, { nodeArgs: ["--import", join(scratch, "trace.mjs")] });
      expect(result.exitCode).toBe(0);
      const resolved = await readFile(trace, "utf8");
      expect(resolved).toContain("command-registry.js");
      expect(resolved).not.toMatch(/node_modules\/(tsx|probot|pino|@nats-io)\//);
    }
  });
});

describe("flotilla --version", () => {
  it("prints the package's version", async () => {
    for (const flag of ["--version", "-V"]) {
      const result = await flotilla([flag]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(VERSION);
    }
  });
});

describe("flotilla called the wrong way", () => {
  it.concurrent.each([
    [["nope"], "flotilla: unknown command: nope", "Usage: flotilla <command>"],
    [["--nope"], "flotilla: unknown option --nope", "Usage: flotilla <command>"],
    [
      ["runner"],
      "flotilla runner: a command is needed: register, start, remove, install-service",
      "Usage: flotilla runner <command>",
    ],
    [["runner", "begin"], "flotilla runner: unknown runner command: begin", "Usage: flotilla runner <command>"],
    [
      ["runner", "register", "--token", "t"],
      "flotilla runner register: missing --url BOT_URL",
      "Usage: flotilla runner register",
    ],
    [["runner", "remove"], "flotilla runner remove: missing NAME", "Usage: flotilla runner remove"],
    [["nats", "init"], "flotilla nats init: missing DIR", "Usage: flotilla nats init DIR"],
    [["dispatch", "acme/app"], "flotilla dispatch: missing WORKFLOW", "Usage: flotilla dispatch"],
    [["dispatch", "acme/app", "ci.yml", "--ref"], "flotilla dispatch: --ref needs a value", "Usage: flotilla dispatch"],
    [["secret", "set", "acme/app"], "flotilla secret set: missing NAME", "Usage: flotilla secret set"],
    [["namespace", "set"], "flotilla namespace set: missing NAME", "Usage: flotilla namespace set"],
    [["bot", "now"], "flotilla bot: unexpected argument: now", "Usage: flotilla bot"],
    [["help", "nope"], "flotilla: unknown command: nope", "Usage: flotilla <command>"],
  ])("flotilla %j names the problem, with the usage, exit 2", async (args, problem, usage) => {
    const result = await flotilla(args);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr.split("\n")[0]).toContain(problem);
    expect(result.stderr).toContain(usage);
  });
});
