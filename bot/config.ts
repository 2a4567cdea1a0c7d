/**
 * The bot's settings: environment variables, validated once at start-up. A bad value stops
 * start-up with a list of every problem, never a stack trace. docs/configuration.md lists them.
 */
import { getPrivateKey } from "@probot/get-private-key";
import { z } from "zod";
import { LOG_LEVELS, readLogSettings } from "../protocol/log-settings.ts";
import { parseSecretsKey } from "./secrets/crypto.ts";

const intFrom = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `24h`, `90m`, `1.5h`, `30s`, `500ms`, `2d`, or plain seconds; undefined when it is none of them. */
function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * DURATION_UNITS[(match[2] ?? "s") as keyof typeof DURATION_UNITS]);
  return ms > 0 ? ms : undefined;
}

const Env = z.object({
  APP_ID: z.coerce.number().int().positive().optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
  GH_ORG: z.string().min(1).optional(),
  WEBHOOK_PROXY_URL: z.string().url().optional(),
  /** Minutes between lost-webhook rounds (docs/operations.md "Lost webhooks"); 0: off. */
  WEBHOOK_RECOVERY_MINUTES: z.coerce.number().nonnegative().default(5),
  GITLAB_URL: z.string().url().optional(),
  GITLAB_TOKEN: z.string().min(1).optional(),
  GITLAB_WEBHOOK_SECRET: z.string().min(1).optional(),
  GITLAB_ACTIONS_URL: z.string().url().default("https://github.com"),
  GIT_POLL_SECONDS: intFrom(60).pipe(z.number().min(1, "must be at least 1")),
  GIT_ACTIONS_URL: z.string().url().default("https://github.com"),
  HOST: z.string().default("0.0.0.0"),
  PORT: intFrom(3000),
  PUBLIC_URL: z.string().url().optional(),
  NATS_URL: z.string().min(1).optional(),
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '-' and '_' only")
    .default("flotilla"),
  NATS_LISTEN: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/, "must be HOST:PORT, e.g. 0.0.0.0:4222")
    .optional(),
  FLOTILLA_NATS_AUTH_DIR: z.string().min(1).optional(),
  FLOTILLA_RUNNER_NATS_URL: z.string().min(1).optional(),
  NATS_REPLICAS: intFrom(1).pipe(z.number().min(1, "must be at least 1").max(5, "JetStream allows at most 5")),
  DATABASE_URL: z.string().min(1).optional(),
  DATA_DIR: z.string().default(".data"),
  /** From readLogSettings, which names a bad LOG_LEVEL or LOG_FORMAT as the runner's check does. */
  LOG_LEVEL: z.enum(LOG_LEVELS),
  GITHUB_WRITE_CONCURRENCY: intFrom(8).pipe(z.number().min(1)),
  GITHUB_WRITE_MIN_INTERVAL_MS: intFrom(0),
  JOB_LEASE_SECONDS: intFrom(30).pipe(z.number().min(1)),
  JOB_MAX_ATTEMPTS: intFrom(3).pipe(z.number().min(1)),
  JOB_MAX_AGE_DAYS: intFrom(7).pipe(z.number().min(1)),
  /** A duration: `24h`, `90m`, `30s`, `500ms`, `2d`, or plain seconds. */
  JOB_QUEUE_TIMEOUT: z
    .string()
    .default("24h")
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms !== undefined) return ms;
      ctx.addIssue({ code: "custom", message: `"${text}" is not a duration (e.g. 24h, 90m, 30s)` });
      return z.NEVER;
    }),
  FORK_PR_TRUSTED: z.string().default(""),
  FAILURE_COMMENT: z
    .enum(["true", "false"], { message: "must be true or false" })
    .default("true")
    .transform((v) => v === "true"),
  FLOTILLA_API_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  FLOTILLA_SECRETS_KEY: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (!text) return undefined;
      const key = parseSecretsKey(text);
      if (key.ok) return key.value;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: key.reason });
      return z.NEVER;
    }),
  /** The GitHub App's key as getPrivateKey found it (PRIVATE_KEY, PRIVATE_KEY_PATH or a .pem file). */
  PRIVATE_KEY: z.string().optional(),
});

/** The environment into the settings as the bot uses them. */
export const BotConfig = Env.transform((e) => {
  const serverUrl = e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}` : "https://github.com";
  return {
    github: {
      appId: e.APP_ID,
      privateKey: e.PRIVATE_KEY,
      webhookSecret: e.WEBHOOK_SECRET,
      /** REST base URL: api.github.com, or `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`. */
      apiUrl: e.GHE_HOST ? `${serverUrl}/api/v3` : "https://api.github.com",
      /** Web base URL, for links and the GITHUB_SERVER_URL of jobs. */
      serverUrl,
      /** Register the app under this organisation (the first page's manifest flow). */
      org: e.GH_ORG,
      /** A relay channel (smee.io style) GitHub posts webhooks to, for a bot GitHub cannot reach. */
      webhookProxyUrl: e.WEBHOOK_PROXY_URL,
      /** How often one replica asks GitHub to redeliver failed webhooks it never stored; 0: never. */
      webhookRecoveryMs: Math.round(e.WEBHOOK_RECOVERY_MINUTES * 60_000),
      writeConcurrency: e.GITHUB_WRITE_CONCURRENCY,
      writeMinIntervalMs: e.GITHUB_WRITE_MIN_INTERVAL_MS,
    },
    /** GitLab (gitlab.com or self-managed) beside GitHub; off unless GITLAB_URL and GITLAB_TOKEN are set. */
    gitlab: {
      url: e.GITLAB_URL?.replace(/\/+$/, ""),
      token: e.GITLAB_TOKEN,
      webhookSecret: e.GITLAB_WEBHOOK_SECRET,
      /** Where GitLab jobs fetch `uses:` actions from: GitLab serves none. */
      actionsUrl: e.GITLAB_ACTIONS_URL.replace(/\/+$/, ""),
    },
    /** Plain git repositories followed by polling (docs/follow-git.md). */
    git: {
      pollSeconds: e.GIT_POLL_SECONDS,
      /** Where their jobs fetch `uses:` actions from: a plain git server serves none. */
      actionsUrl: e.GIT_ACTIONS_URL.replace(/\/+$/, ""),
    },
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
      /** `flotilla dev` sets it: a browser on this machine is the operator (bot/web/viewer.ts). */
      trustLoopback: false,
    },
    nats: {
      url: e.NATS_URL,
      prefix: e.NATS_PREFIX,
      /** `flotilla dev`'s private nats-server: where it listens (HOST:PORT; default loopback, a free port). */
      listen: e.NATS_LISTEN,
      /** Per-runner credentials (NATS JWT mode): the directory `flotilla nats init` made. */
      authDir: e.FLOTILLA_NATS_AUTH_DIR,
      /** The NATS URL registered runners are given (default: `url`). */
      runnerUrl: e.FLOTILLA_RUNNER_NATS_URL,
      /** Replicas of every stream, KV bucket and object store the bot creates (NATS_REPLICAS). */
      replicas: e.NATS_REPLICAS,
    },
    database: { url: e.DATABASE_URL },
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    jobs: {
      leaseSeconds: e.JOB_LEASE_SECONDS,
      maxAttempts: e.JOB_MAX_ATTEMPTS,
      maxAgeDays: e.JOB_MAX_AGE_DAYS,
      /** JOB_QUEUE_TIMEOUT in ms: a job no runner took by then fails. */
      queueTimeoutMs: e.JOB_QUEUE_TIMEOUT,
    },
    steering: {
      /** FORK_PR_TRUSTED: fork PR authors (`login`) and head-repository owners (`owner/*`) trusted without approval. */
      forkTrusted: e.FORK_PR_TRUSTED.split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
      /** FAILURE_COMMENT: keep one comment on a PR listing its failed jobs. */
      failureComment: e.FAILURE_COMMENT,
    },
    /** Bearer token for the bot's API (`flotilla dispatch`); the API is off without it. */
    apiToken: e.FLOTILLA_API_TOKEN,
    /** Encrypts repository and organisation secrets at rest (FLOTILLA_SECRETS_KEY); secrets are off without it. */
    ...(e.FLOTILLA_SECRETS_KEY ? { secretsKey: e.FLOTILLA_SECRETS_KEY } : {}),
  };
});
export type BotConfig = z.infer<typeof BotConfig>;

/** Every problem with the settings, one line each naming its variable; `flotilla` exits 2 on it. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function readBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  let privateKey: string | undefined;
  let keyProblem: string | undefined;
  try {
    privateKey = getPrivateKey({ env }) ?? undefined;
  } catch (error) {
    keyProblem = `PRIVATE_KEY: ${(error as Error).message}`;
  }
  const logSettings = readLogSettings(env);
  const parsed = BotConfig.safeParse({ ...env, PRIVATE_KEY: privateKey, LOG_LEVEL: logSettings.level });
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  problems.push(...logSettings.problems);
  if (keyProblem) problems.push(keyProblem);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

/** Whether GitLab is configured: its URL, the bot's token and the webhook's secret token. */
export function hasGitLab(config: BotConfig): boolean {
  return Boolean(config.gitlab.url && config.gitlab.token && config.gitlab.webhookSecret);
}

/** Whether the GitHub App is configured; without it the bot serves the manifest flow. */
export function hasGitHubApp(config: BotConfig): boolean {
  return Boolean(config.github.appId && config.github.privateKey && config.github.webhookSecret);
}
