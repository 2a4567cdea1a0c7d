// @ts-check
/**
 * Every `flotilla` command, its summary and its usage, in one list that the dispatcher
 * (cli/main.ts) runs from and `flotilla --help` is generated from (cli/command-usage.js) — so a
 * new command gets its `--help` by being listed. Plain JavaScript, importing nothing: `--help`
 * is answered from here before tsx loads, and each command's implementation is loaded with
 * `import()` only when it runs.
 */

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
 * @property {boolean} [noJsonModules]  its code imports no JSON module (no workflow parser): the
 *   compiled package runs it without the module hook that would otherwise load them, a thread of
 *   its own (~11 MiB resident) — what keeps a long-running `runner start` lean
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
        synopsis:
          "--url BOT_URL --token TOKEN [--labels a,b] [--exclusive-labels gpu] [--namespace NAME] [--name NAME] [--config FILE]",
        summary: "register this machine's runner; writes its config file (mode 0600)",
        usage: `Options: --url BOT_URL  --token TOKEN (from \`flotilla token create\`)  --labels a,b (self-hosted,
         the OS and the architecture are added)  --exclusive-labels gpu (take only jobs whose runs-on
         asks for each of them; added to the labels)  --namespace NAME  --name NAME (default: the host
         name)  --config FILE (default ~/.flotilla/runner.json)  --nats URL (instead of the bot's)`,
        run: async (args) => (await import("./commands/runner-register.ts")).runnerRegisterCommand(args),
      },
      {
        name: "start",
        synopsis: "[--config FILE] [--concurrency N] [--once] [--metrics-port N]",
        summary: "a runner; SIGTERM drains it",
        usage: `Options: --config FILE (from register; default FLOTILLA_RUNNER_CONFIG or ~/.flotilla/runner.json)
         --concurrency N (jobs at once)  --once (one job, then exit)  --work-dir DIR
         --metrics-port N (serve /metrics and /healthz on N; no port unless asked)
         --max-job-minutes N (caps any workflow's timeout-minutes)
Unregistered, on open NATS: --nats URL --labels a,b [--exclusive-labels gpu] --namespace NAME --name NAME [--prefix P]`,
        noJsonModules: true,
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
        synopsis:
          "NAME [--follows 'owner/*,owner/repo'] [--alias 'ubuntu-latest=linux,x64']... [--priority RULES] [--weights RULES]",
        summary: "make a namespace, or replace what it follows and the labels it maps",
        usage: `Options: --follows PATTERNS (comma-separated OWNER/REPO globs; empty: every repository)
         --alias LABEL=LABEL[,LABEL…] (repeatable: a GitHub-hosted label mapped onto this namespace's runners)
         --priority 'acme/app:main=high,*:dependabot/*=low' (REPO[:BRANCH[:WORKFLOW]] globs; first match wins)
         --weights 'acme/*=2' (fair-share weight per repository glob; default 1)
         (--priority and --weights are kept when not given; '' clears them)  --json  ${API}`,
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
    name: "follow-git",
    synopsis: "URL_OR_PATH [--branch 'main,release/*'] [--namespace NAME] [--results-repo URL]",
    summary: "follow a plain git repository: polled, results as git notes (docs/follow-git.md)",
    usage: `Also: follow-git list [--json] | follow-git remove URL_OR_NAME | follow-git --print-hook URL_OR_NAME
Options: --branch GLOBS (comma-separated; default: the default branch)  --namespace NAME
         --results-repo URL (where notes are pushed; default: the followed repository)  --json
         ${API}`,
    run: async (args) => (await import("./commands/follow-git.ts")).followGitCommand(args),
  },
  {
    name: "follow",
    synopsis: "HOST/OWNER/REPO [--namespace NAME] [--branches 'main,release/*'] [--upstream NAME]",
    summary: "follow a repository another Flotilla publishes (docs/federation.md)",
    usage: `Its pushes run here, in NAMESPACE (or the namespaces whose globs take HOST/OWNER/REPO).
Options: --namespace NAME  --branches GLOBS (comma-separated; default: every branch)
         --upstream NAME (when several are joined)  ${API}`,
    run: async (args) => (await import("./commands/follow.ts")).followCommand(args),
  },
  {
    name: "federation",
    summary: "publish repositories' events to other Flotillas, or follow one (docs/federation.md)",
    subcommands: [
      {
        name: "publish",
        synopsis: "'OWNER/REPO-GLOB'",
        summary: "upstream: publish the events of public repositories matching it",
        usage: `Options: ${API}`,
        run: async (args) => (await import("./commands/federation.ts")).federationPublish(args),
      },
      {
        name: "invite",
        synopsis: "NAME [--output FILE]",
        summary: "upstream: a leaf node credential for follower NAME",
        usage: `Options: --output FILE (written 0600; default: printed)  ${API}`,
        run: async (args) => (await import("./commands/federation.ts")).federationInvite(args),
      },
      {
        name: "revoke",
        synopsis: "NAME",
        summary: "upstream: disconnect follower NAME at once and refuse its credential",
        usage: `Options: ${API}`,
        run: async (args) => (await import("./commands/federation.ts")).federationRevoke(args),
      },
      {
        name: "accept",
        synopsis: "NAME",
        summary: "upstream: show follower NAME's results on commits",
        usage: `Options: ${API}`,
        run: async (args) => (await import("./commands/federation.ts")).federationAccept(args),
      },
      {
        name: "join",
        synopsis: "nats-leaf://HOST:PORT --credential FILE [--config-dir DIR] [--domain NAME]",
        summary: "downstream: write the nats-server configuration to follow an upstream, and tell the bot",
        usage: `Options: --credential FILE (from \`flotilla federation invite\`)  --config-dir DIR (default ./federation)
         --domain NAME (this side's JetStream domain, default downstream)  --no-bot (only write the configuration)
         ${API}`,
        run: async (args) => (await import("./commands/federation.ts")).federationJoin(args),
      },
    ],
  },
  {
    name: "secret",
    summary: "repository and organisation secrets (GitLab: HOST/GROUP[/PROJECT])",
    subcommands: [
      {
        name: "set",
        synopsis: "OWNER[/REPO] NAME [--environment ENV]",
        summary: "set a secret, the value from stdin",
        usage: `The value is all of stdin, less one trailing newline: printf %s "$VALUE" | flotilla secret set …
GitLab: HOST/GROUP[/SUBGROUP…][/PROJECT], e.g. gitlab.example.com/acme/app
Options: --environment ENV (a secret of the repository's environment ENV: jobs with environment: ENV get it over the repository's)
         ${API}`,
        run: async (args) => (await import("./commands/secret.ts")).secretCommand(["set", ...args]),
      },
      {
        name: "list",
        synopsis: "OWNER[/REPO] [--environment ENV]",
        summary: "secret names (never values)",
        usage: `Options: --environment ENV  ${API}`,
        run: async (args) => (await import("./commands/secret.ts")).secretCommand(["list", ...args]),
      },
      {
        name: "delete",
        synopsis: "OWNER[/REPO] NAME [--environment ENV]",
        summary: "delete a secret",
        usage: `Options: --environment ENV  ${API}`,
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
    synopsis: "[--workflow FILE] [--job ID] [--event EVENT] [--input k=v] [--secret K=V] [--var K=V] [--env K=V]",
    summary: "run this repository's workflows on this machine (working tree as is)",
    usage: `Options: --workflow NAME|FILE (-W; a bare name is in .flotilla/workflows)  --job ID (-j)
         --event push|pull_request|workflow_dispatch (-e, default push)  --input name=value
         --secret NAME=VALUE (-s; NAME alone: from this environment)  --secret-file FILE (dotenv)
         --var NAME=VALUE (the vars context)  --var-file FILE
         --env NAME=VALUE (over the workflow's and the job's env)  --env-file FILE
         --keep-workspace (print and keep each job's workspace)
         All but --workflow, --job and --event repeat. Artifacts and caches are kept in
         .flotilla/artifacts and .flotilla/cache; fetched actions in $XDG_CACHE_HOME/flotilla/actions
         (~/.cache/flotilla/actions), from FLOTILLA_ACTIONS_URL when set.`,
    run: async (args) => (await import("./commands/run.ts")).runCommand(args),
  },
  {
    name: "help",
    synopsis: "[COMMAND]",
    summary: "this text, or a command's",
  },
];
