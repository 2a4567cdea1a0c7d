// @ts-check
/**
 * What argv asks of the command registry: which command it names, that command's usage, and
 * what `flotilla` answers without running anything (`--help`, `--version`, a mistyped
 * command). Plain JavaScript like the registry, so bin/flotilla.js answers those before tsx
 * loads.
 */
import { readFileSync } from "node:fs";
import { COMMANDS } from "./command-registry.js";

/** @typedef {import("./command-registry.js").Command} Command */

/**
 * The command argv names, as far as it names one: the commands from the top (`runner`,
 * `start`) and the arguments left for the last.
 * @param {string[]} argv
 * @returns {{ path: Command[], rest: string[] }}
 */
export function findCommand(argv) {
  /** @type {Command[]} */
  const path = [];
  let choices = COMMANDS;
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i];
    const found = choices.find((c) => c.name === word || c.aliases?.includes(word ?? ""));
    if (!found) break;
    path.push(found);
    if (!found.subcommands) {
      i++;
      break;
    }
    choices = found.subcommands;
  }
  return { path, rest: argv.slice(i) };
}

/**
 * The usage of a command (or of `flotilla` itself, for an empty path).
 * @param {Command[]} path
 * @returns {string}
 */
function usageOf(path) {
  const command = path.at(-1);
  if (!command) return topUsage();
  const name = `flotilla ${path.map((c) => c.name).join(" ")}`;
  if (command.subcommands) {
    const list = command.subcommands.map((sub) => [`${name} ${sub.name} ${sub.synopsis ?? ""}`.trim(), sub.summary]);
    return `Usage: ${name} <command>\n\n${capital(command.summary)}.\n\n${table(list)}\n\n\`${name} <command> --help\` for a command's options.`;
  }
  const synopsis = `Usage: ${name}${command.synopsis ? ` ${command.synopsis}` : ""}`;
  return [synopsis, "", `${capital(command.summary)}.`, ...(command.usage ? ["", command.usage] : [])].join("\n");
}

function topUsage() {
  /** @type {[string, string][]} */
  const rows = [];
  for (const command of COMMANDS) {
    if (!command.subcommands) rows.push([`${command.name} ${command.synopsis ?? ""}`.trim(), command.summary]);
    else
      for (const sub of command.subcommands)
        rows.push([`${command.name} ${sub.name} ${sub.synopsis ?? ""}`.trim(), sub.summary]);
  }
  return `Usage: flotilla <command> [--help]

${table(rows)}

\`flotilla <command> --help\` for a command's options; \`flotilla --version\` for the version.
Settings come from the environment (and a .env file): see docs/configuration.md.`;
}

/**
 * What `flotilla` answers without running anything: the version, a usage asked for, a command
 * that does not exist. Undefined when argv names a command to run.
 * @param {string[]} argv
 * @returns {{ stdout?: string, stderr?: string, code: number } | undefined}
 */
export function answerWithoutRunning(argv) {
  const first = argv[0];
  if (first === "--version" || first === "-V") return { stdout: version(), code: 0 };
  if (first === undefined || first === "-h" || first === "--help") return { stdout: topUsage(), code: 0 };
  // `help runner start` asks for the usage of `runner start`; `help --help`, for its own.
  const helpFor = first === "help" && argv[1] !== "--help" && argv[1] !== "-h";
  const { path, rest } = findCommand(helpFor ? argv.slice(1) : argv);
  const command = path.at(-1);
  const unknown = rest[0] !== undefined && !rest[0].startsWith("-");
  if (helpFor) {
    if (unknown && (!command || command.subcommands))
      return usageError(path, `unknown command: ${[...path.map((c) => c.name), rest[0]].join(" ")}`);
    return { stdout: usageOf(path), code: 0 };
  }
  if (!command)
    return usageError(path, first.startsWith("-") ? `unknown option ${first}` : `unknown command: ${first}`);
  // Help wins wherever it stands, up to a `--` that ends the options.
  const options = rest.includes("--") ? rest.slice(0, rest.indexOf("--")) : rest;
  if (options.includes("-h") || options.includes("--help")) return { stdout: usageOf(path), code: 0 };
  if (command.subcommands) {
    const names = command.subcommands.map((c) => c.name).join(", ");
    if (rest[0] === undefined) return usageError(path, `a command is needed: ${names}`);
    return usageError(path, `unknown ${command.name} command: ${rest[0]} (one of ${names})`);
  }
  if (!command.run) return { stdout: usageOf([]), code: 0 };
  return undefined;
}

/**
 * A problem with how a command was called: named first, then that command's usage (exit 2).
 * @param {Command[]} path
 * @param {string} problem
 */
export function usageError(path, problem) {
  const name = ["flotilla", ...path.map((c) => c.name)].join(" ");
  return { stderr: `${name}: ${problem}\n\n${usageOf(path)}`, code: 2 };
}

function version() {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  return String(pkg.version);
}

/** @param {string[][]} rows */
function table(rows) {
  const width = Math.min(30, Math.max(...rows.map(([left]) => (left ?? "").length)));
  return rows
    .map(([left = "", right = ""]) =>
      left.length > width ? `  ${left}\n  ${" ".repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`,
    )
    .join("\n");
}

/** @param {string} text */
function capital(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
