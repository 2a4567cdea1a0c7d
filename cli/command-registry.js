// @ts-check
/**
 * Every `flotilla` command, its summary and its usage, in one list that the dispatcher
 * (cli/main.ts) runs from and `flotilla --help` is generated from — so a new command gets its
 * `--help` by being listed. Plain JavaScript, importing nothing heavy: bin/flotilla.js answers
 * `--help`, `--version` and a mistyped command from here without starting tsx, and each
 * command's implementation is loaded with `import()` only when it runs.
 */
import { readFileSync } from "node:fs";

/**
 * @typedef {{ log: import("pino").Logger }} CommandContext
 * @typedef {object} Command
 * @property {string} name
 * @property {string[]} [aliases]
 * @property {string} summary  one line, for the list in `flotilla --help`
 * @property {string} [synopsis]  the arguments, for that list (default: none)
 * @property {string} [usage]  what `flotilla NAME --help` prints after the synopsis
 * @property {Command[]} [subcommands]
 * @property {(args: string[], context: CommandContext) => Promise<number>} [run]
 */

const API = "--url BOT_URL (FLOTILLA_URL, default http://localhost:3000)  --token TOKEN (FLOTILLA_API_TOKEN)";

/** @type {Command[]} */
export const COMMANDS = [
  {
    name: "dev",
    summary: "everything on this machine (what `npm start` runs)",
    usage: `The bot on PORT (3000), a private nats-server unless NATS_URL is set, PGlite under DATA_DIR
(.data) unless DATABASE_URL is set, and one local runner. Ctrl-C stops it all.`,
    run: async (args, { log }) => {
      const [{ noArguments }, { untilSignal }, { devCommand }] = await Promise.all([
        import("./usage-error.ts"),
        import("./until-signal.ts"),
        import("./commands/dev.ts"),
      ]);
      noArguments(args);
      return untilSignal(devCommand(log), log);
    },
  },
  {
    name: "bot",
    summary: "the bot alone, against NATS_URL and DATABASE_URL",
    usage: `Webhook intake, planner, reporter and log pages. With no GitHub App or GitLab configured it
serves Probot's manifest flow, to register the app from app.yml. SIGTERM stops it.`,
    run: async (args, { log }) => {
      const [{ noArguments }, { untilSignal }, { botCommand }] = await Promise.all([
        import("./usage-error.ts"),
        import("./until-signal.ts"),
        import("./commands/bot.ts"),
      ]);
      noArguments(args);
      return untilSignal(botCommand(log), log);
    },
  },
  {
    name: "token",
    summary: "runner registration tokens",
    subcommands: [
      {
        name: "create",
        synopsis: "[--namespace NAME] [--expires 1h]",
        summary: "a one-time runner registration token (only the token goes to stdout)",
        usage: `Options: --namespace NAME (default "default")  --expires DURATION (default 1h, at most 30d)
         ${API}`,
        run: async (args) => (await import("./commands/token.ts")).tokenCommand(args),
      },
    ],
  },
  {
    name: "runner",
    summary: "this machine's runner",
    subcommands: [
      {
        name: "register",
        synopsis: "--url BOT_URL --token TOKEN [--labels a,b] [--namespace NAME] [--name NAME] [--config FILE]",
        summary: "register this machine's runner; writes its config file (mode 0600)",
        usage: `Options: --url BOT_URL  --token TOKEN (from \`flotilla token create\`)  --labels a,b (self-hosted,
         the OS and the architecture are added)  --namespace NAME  --name NAME (default: the host
         name)  --config FILE (default ~/.flotilla/runner.json)  --nats URL (instead of the bot's)`,
        run: async (args) => (await import("./commands/runner-register.ts")).runnerRegisterCommand(args),
      },
      {
        name: "start",
        synopsis: "[--config FILE] [--concurrency N] [--once]",
        summary: "a runner; SIGTERM drains it",
        usage: `Options: --config FILE (from register; default FLOTILLA_RUNNER_CONFIG or ~/.flotilla/runner.json)
         --concurrency N (jobs at once)  --once (one job, then exit)  --work-dir DIR
Unregistered, on open NATS: --nats URL --labels a,b --namespace NAME --name NAME [--prefix P]`,
        run: async (args, { log }) => (await import("./commands/runner-start.ts")).runnerStartCommand(args, log),
      },
      {
        name: "remove",
        synopsis: "NAME",
        summary: "revoke a runner's credential at once",
        usage: `Options: ${API}`,
        run: async (args) => (await import("./commands/runner-remove.ts")).runnerRemoveCommand(args),
      },
      {
        name: "install-service",
        synopsis: "[--user|--system] [--config FILE] [--dry-run]",
        summary: "write a systemd unit that runs `flotilla runner start` (prints the systemctl commands)",
        usage: `Options: --user (default: ~/.config/systemd/user/flotilla-runner.service)
         --system (/etc/systemd/system/flotilla-runner.service, running as this user)
         --config FILE (the registered runner's, default ~/.flotilla/runner.json)
         --dry-run (print the unit, write nothing)`,
        run: async (args) => (await import("./commands/runner-install-service.ts")).installServiceCommand(args),
      },
    ],
  },
  {
    name: "nats",
    summary: "NATS credentials",
    subcommands: [
      {
        name: "init",
        synopsis: "DIR",
        summary: "keys and server config for per-runner NATS credentials (docs/security.md)",
        run: async (args) => (await import("./commands/nats-init.ts")).natsInitCommand(args),
      },
    ],
  },
  {
    name: "dispatch",
    synopsis: "OWNER/REPO WORKFLOW --ref REF [--input k=v]...",
    summary: "start a workflow_dispatch workflow through the bot",
    usage: `Options: --ref REF (branch or tag)  --input name=value (repeatable)
         ${API}`,
    run: async (args) => (await import("./commands/dispatch.ts")).dispatchCommand(args),
  },
  {
    name: "runners",
    synopsis: "[--namespace NAME] [--all] [--json]",
    summary: "every runner: labels, version, online/busy/offline, current job, last seen",
    usage: `Options: --namespace NAME  --all (removed runners too)  --json
         ${API}`,
    run: async (args) => (await import("./commands/runners.ts")).runnersCommand(args),
  },
  {
    name: "namespace",
    aliases: ["namespaces"],
    summary: "namespaces and the repositories each follows (default: every repository)",
    subcommands: [
      {
        name: "list",
        synopsis: "[--json]",
        summary: "every namespace, its runners and what it follows",
        usage: `Options: --json  ${API}`,
        run: async (args) => (await import("./commands/namespace.ts")).namespaceCommand(["list", ...args]),
      },
      {
        name: "set",
        synopsis: "NAME [--follows 'owner/*,owner/repo']",
        summary: "make a namespace, or change what it follows",
        usage: `Options: --follows PATTERNS (comma-separated OWNER/REPO globs; empty: every repository)
         --json  ${API}`,
        run: async (args) => (await import("./commands/namespace.ts")).namespaceCommand(["set", ...args]),
      },
      {
        name: "remove",
        synopsis: "NAME",
        summary: "remove a namespace",
        usage: `Options: ${API}`,
        run: async (args) => (await import("./commands/namespace.ts")).namespaceCommand(["remove", ...args]),
      },
    ],
  },
  {
    name: "secret",
    summary: "repository and organisation secrets (GitLab: HOST/GROUP[/PROJECT])",
    subcommands: [
      {
        name: "set",
        synopsis: "OWNER[/REPO] NAME",
        summary: "set a secret, the value from stdin",
        usage: `The value is all of stdin, less one trailing newline: printf %s "$VALUE" | flotilla secret set …
GitLab: HOST/GROUP[/SUBGROUP…][/PROJECT], e.g. gitlab.example.com/acme/app
Options: ${API}`,
        run: async (args) => (await import("./commands/secret.ts")).secretCommand(["set", ...args]),
      },
      {
        name: "list",
        synopsis: "OWNER[/REPO]",
        summary: "secret names (never values)",
        usage: `Options: ${API}`,
        run: async (args) => (await import("./commands/secret.ts")).secretCommand(["list", ...args]),
      },
      {
        name: "delete",
        synopsis: "OWNER[/REPO] NAME",
        summary: "delete a secret",
        usage: `Options: ${API}`,
        run: async (args) => (await import("./commands/secret.ts")).secretCommand(["delete", ...args]),
      },
    ],
  },
  {
    name: "migrate",
    summary: "apply database migrations (the bot also does it at start)",
    usage: "The Postgres database at DATABASE_URL, or PGlite under DATA_DIR (.data).",
    run: async (args) => {
      const [{ noArguments }, { migrateCommand }] = await Promise.all([
        import("./usage-error.ts"),
        import("./commands/migrate.ts"),
      ]);
      noArguments(args);
      console.log(await migrateCommand());
      return 0;
    },
  },
  {
    name: "validate",
    synopsis: "[FILES] [--json]",
    summary: "check workflow files offline (default .flotilla/workflows/*.yml)",
    run: async (args) => (await import("./commands/validate.ts")).validateCommand(args),
  },
  {
    name: "run",
    synopsis: "[--workflow FILE] [--job ID] [--event push|pull_request|workflow_dispatch] [--input k=v]...",
    summary: "run this repository's workflows on this machine (working tree as is)",
    usage: `Options: --workflow FILE (-W)  --job ID (-j)  --event EVENT (-e, default push)
         --input name=value (repeatable)  --keep-workspace`,
    run: async (args) => (await import("./commands/run.ts")).runCommand(args),
  },
  {
    name: "help",
    synopsis: "[COMMAND]",
    summary: "this text, or a command's",
  },
];

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
