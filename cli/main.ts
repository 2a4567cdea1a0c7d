/**
 * The `flotilla` command. Each subcommand lives in cli/commands; this file only dispatches,
 * and turns every expected failure into one clear message instead of a stack trace.
 */
import { existsSync } from "node:fs";
import { config as loadDotenv } from "dotenv";
import { ConfigError } from "../bot/config.ts";
import { NatsServerMissing } from "./embedded-nats.ts";
import { createLogger } from "./logger.ts";
import { botCommand, type Stoppable } from "./commands/bot.ts";
import { devCommand } from "./commands/dev.ts";
import { dispatchCommand } from "./commands/dispatch.ts";
import { runnersCommand } from "./commands/runners.ts";
import { namespaceCommand } from "./commands/namespace.ts";
import { followGitCommand } from "./commands/follow-git.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { runnerStartCommand } from "./commands/runner-start.ts";
import { runnerRegisterCommand } from "./commands/runner-register.ts";
import { runnerRemoveCommand } from "./commands/runner-remove.ts";
import { tokenCommand } from "./commands/token.ts";
import { natsInitCommand } from "./commands/nats-init.ts";
import { BotApiError, parseApiArgs } from "./api/bot-api.ts";
import { runCommand } from "./commands/run.ts";
import { secretCommand } from "./commands/secret.ts";
import { validateCommand } from "./commands/validate.ts";

export const USAGE = `Usage: flotilla <command>

  dev                     everything on this machine (what \`npm start\` runs)
  bot                     the bot alone, against NATS_URL and DATABASE_URL
  token create [--namespace NAME] [--expires 1h]
                          a one-time runner registration token (FLOTILLA_URL, FLOTILLA_API_TOKEN)
  runner register --url BOT_URL --token TOKEN [--labels a,b] [--namespace NAME] [--name NAME] [--config FILE]
                          register this machine's runner; writes its config file (mode 0600)
  runner start [options]  a runner: --config FILE (from register), or --nats URL --labels a,b --namespace NAME
                          --name NAME; --work-dir DIR --concurrency N (jobs at once) --once (one job, then exit)
  runner remove NAME      revoke a runner's credential at once
  nats init DIR           keys and server config for per-runner NATS credentials (docs/security.md)
  dispatch OWNER/REPO WORKFLOW --ref REF [--input k=v]...
                          start a workflow_dispatch workflow through the bot (FLOTILLA_URL, FLOTILLA_API_TOKEN)
  runners [--namespace NAME] [--all] [--json]
                          every runner: labels, version, online/busy/offline, current job, last seen
  namespace list | set NAME [--follows 'owner/*,owner/repo'] | remove NAME
                          namespaces and the repositories each follows (default: every repository)
  follow-git URL_OR_PATH [--branch 'main,release/*'] [--namespace NAME] [--results-repo URL]
                          follow a plain git repository: polled, results as git notes (docs/follow-git.md)
  follow-git list | remove URL_OR_NAME | --print-hook URL_OR_NAME
                          followed repositories; stop following one; print its post-receive hook
  secret set OWNER[/REPO] NAME   set a repository or organisation secret, the value from stdin (GitLab: HOST/GROUP[/PROJECT])
  secret list OWNER[/REPO]       secret names (never values); secret delete OWNER[/REPO] NAME
  migrate                 apply database migrations
  validate [FILES] [--json]  check workflow files offline (default .flotilla/workflows/*.yml)
  run [--workflow FILE] [--job ID] [--event push|pull_request|workflow_dispatch] [--input k=v]...
                          run this repository's workflows on this machine (working tree as is)
  help                    this text

Settings come from the environment (and a .env file): see docs/configuration.md.`;

/** The commands that take their arguments and nothing else. */
const COMMANDS = new Map<string, (args: string[]) => Promise<number>>([
  ["token", tokenCommand],
  ["nats", natsInitCommand],
  ["validate", validateCommand],
  ["run", runCommand],
  ["dispatch", dispatchCommand],
  ["runners", runnersCommand],
  ["namespace", namespaceCommand],
  ["namespaces", namespaceCommand],
  ["follow-git", followGitCommand],
  ["secret", secretCommand],
]);

export async function main(argv: string[]): Promise<number> {
  if (existsSync(".env")) loadDotenv({ path: ".env", quiet: true });
  const [command, ...rest] = argv;
  const log = createLogger();
  try {
    switch (command) {
      case "dev":
        return await untilSignal(devCommand(log), log);
      case "bot":
        return await untilSignal(botCommand(log), log);
      case "runner": {
        // `register` and `remove` call the bot (--url, --token); `start` takes the rest.
        const { positionals, values } = parseApiArgs(rest, {
          nats: { type: "string" },
          labels: { type: "string" },
          namespace: { type: "string" },
          name: { type: "string" },
          "work-dir": { type: "string" },
          prefix: { type: "string" },
          once: { type: "boolean" },
          concurrency: { type: "string" },
          config: { type: "string" },
        });
        if (positionals[0] === "register") return await runnerRegisterCommand(values);
        if (positionals[0] === "remove") return await runnerRemoveCommand(positionals[1], values);
        if (positionals[0] !== "start") return usage(`unknown runner command: ${positionals[0] ?? "(none)"}`);
        return await runnerStartCommand(values, log);
      }
      case "migrate":
        console.log(await migrateCommand());
        return 0;
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return 0;
      default: {
        const run = COMMANDS.get(command);
        return run ? await run(rest) : usage(`unknown command: ${command}`);
      }
    }
  } catch (error) {
    if (
      error instanceof NatsServerMissing ||
      error instanceof ConfigError ||
      error instanceof BotApiError ||
      (error as Error).name === "RunnerConfigError"
    ) {
      console.error((error as Error).message);
      return 1;
    }
    if ((error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return usage((error as Error).message);
    log.fatal({ err: error }, "flotilla stopped");
    console.error(`flotilla: ${(error as Error).message}`);
    return 1;
  }
}

function usage(problem: string): number {
  console.error(`flotilla: ${problem}\n\n${USAGE}`);
  return 2;
}

/**
 * Runs until SIGINT/SIGTERM, then stops cleanly; a second signal stops at once. A signal that
 * comes while the service is still starting stops it as soon as it is up (rather than killing
 * the process with its nats-server child left behind).
 */
function untilSignal(starting: Promise<Stoppable>, log: ReturnType<typeof createLogger>): Promise<number> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(130);
      stopping = true;
      log.info({ signal }, "stopping");
      starting
        .then((service) => service.close())
        .then(
          () => resolve(0),
          (err) => {
            log.error({ err }, "stop failed");
            resolve(1);
          },
        );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    starting.catch(reject);
  });
}
