/**
 * The bot's settings: environment variables, validated once at start-up. A bad value stops
 * start-up with a list of every problem, never a stack trace. docs/configuration.md lists them.
 */
import { getPrivateKey } from "@probot/get-private-key";
import { z } from "zod";
import { parseSecretsKey, type SecretsKey } from "./secrets/crypto.ts";

const intFrom = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

const Env = z.object({
  APP_ID: z.coerce.number().int().positive().optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
  HOST: z.string().default("0.0.0.0"),
  PORT: intFrom(3000),
  PUBLIC_URL: z.string().url().optional(),
  NATS_URL: z.string().min(1).optional(),
  NATS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '-' and '_' only").default("flotilla"),
  FLOTILLA_NATS_AUTH_DIR: z.string().min(1).optional(),
  FLOTILLA_RUNNER_NATS_URL: z.string().min(1).optional(),
  DATABASE_URL: z.string().min(1).optional(),
  DATA_DIR: z.string().default(".data"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  GITHUB_WRITE_CONCURRENCY: intFrom(8).pipe(z.number().min(1)),
  GITHUB_WRITE_MIN_INTERVAL_MS: intFrom(0),
  JOB_LEASE_SECONDS: intFrom(30).pipe(z.number().min(1)),
  JOB_MAX_ATTEMPTS: intFrom(3).pipe(z.number().min(1)),
  JOB_MAX_AGE_DAYS: intFrom(7).pipe(z.number().min(1)),
  FLOTILLA_API_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  FLOTILLA_SECRETS_KEY: z.string().optional(),
});

export interface BotConfig {
  github: {
    appId?: number;
    privateKey?: string;
    webhookSecret?: string;
    /** REST base URL: api.github.com, or `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`. */
    apiUrl: string;
    /** Web base URL, for links and the GITHUB_SERVER_URL of jobs. */
    serverUrl: string;
    writeConcurrency: number;
    writeMinIntervalMs: number;
  };
  http: { host: string; port: number; publicUrl: string };
  nats: {
    url?: string;
    prefix: string;
    /** Per-runner credentials (NATS JWT mode): the directory `flotilla nats init` made. */
    authDir?: string;
    /** The NATS URL registered runners are given (default: `url`). */
    runnerUrl?: string;
  };
  database: { url?: string };
  dataDir: string;
  logLevel: z.infer<typeof Env>["LOG_LEVEL"];
  jobs: { leaseSeconds: number; maxAttempts: number; maxAgeDays: number };
  /** Bearer token for the bot's API (`flotilla dispatch`); the API is off without it. */
  apiToken?: string;
  /** Encrypts repository and organisation secrets at rest (FLOTILLA_SECRETS_KEY); secrets are off without it. */
  secretsKey?: SecretsKey;
}

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

export function readBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const parsed = Env.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  let privateKey: string | undefined;
  try {
    privateKey = getPrivateKey({ env }) ?? undefined;
  } catch (error) {
    problems.push(`PRIVATE_KEY: ${(error as Error).message}`);
  }
  const secretsKey = env.FLOTILLA_SECRETS_KEY ? parseSecretsKey(env.FLOTILLA_SECRETS_KEY) : undefined;
  if (secretsKey && "error" in secretsKey) problems.push(`FLOTILLA_SECRETS_KEY: ${secretsKey.error}`);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const serverUrl = e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}` : "https://github.com";
  return {
    github: {
      appId: e.APP_ID,
      privateKey,
      webhookSecret: e.WEBHOOK_SECRET,
      apiUrl: e.GHE_HOST ? `${serverUrl}/api/v3` : "https://api.github.com",
      serverUrl,
      writeConcurrency: e.GITHUB_WRITE_CONCURRENCY,
      writeMinIntervalMs: e.GITHUB_WRITE_MIN_INTERVAL_MS,
    },
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    },
    nats: { url: e.NATS_URL, prefix: e.NATS_PREFIX, authDir: e.FLOTILLA_NATS_AUTH_DIR, runnerUrl: e.FLOTILLA_RUNNER_NATS_URL },
    database: { url: e.DATABASE_URL },
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    jobs: { leaseSeconds: e.JOB_LEASE_SECONDS, maxAttempts: e.JOB_MAX_ATTEMPTS, maxAgeDays: e.JOB_MAX_AGE_DAYS },
    apiToken: e.FLOTILLA_API_TOKEN,
    ...(secretsKey && !("error" in secretsKey) ? { secretsKey } : {}),
  };
}

/** Whether the GitHub App is configured; without it the bot serves the manifest flow. */
export function hasGitHubApp(config: BotConfig): boolean {
  return Boolean(config.github.appId && config.github.privateKey && config.github.webhookSecret);
}
