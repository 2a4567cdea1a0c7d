/**
 * Runner options: one zod schema, read once at start-up from the environment plus explicit
 * overrides (the CLI's flags), failing with every problem at once rather than the first.
 */
import { randomUUID } from "node:crypto";
import { hostname, homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { defaultRunnerLabels, normalizeLabels } from "../protocol/labels.ts";
import { readLogSettings } from "../protocol/log-settings.ts";
import { NAMESPACE_PATTERN } from "../protocol/names.ts";

function defaultName(): string {
  // Hostnames may hold dots; runner names end up in logs and check runs, keep them plain.
  return `${hostname().replace(/[^A-Za-z0-9_-]/g, "-")}-${process.pid}`;
}

function defaultWorkDir(): string {
  const home = homedir();
  return home ? join(home, ".flotilla", "runner") : join(tmpdir(), "flotilla-runner");
}

const labelList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (typeof value === "string" ? value.split(",") : value));

export const RunnerConfig = z
  .object({
    /**
     * The runner's id: given by the bot at registration; a fresh one per start for a runner
     * started without registering (open NATS mode only).
     */
    id: z
      .string()
      .uuid()
      .default(() => randomUUID()),
    natsUrl: z.string().min(1, "is required (FLOTILLA_NATS_URL)"),
    /** The runner's own NATS credential (a `.creds` text: user JWT and nkey seed), from registration. */
    natsCreds: z.string().optional(),
    /** How often the runner tells the bot it is alive (and what it runs). */
    heartbeatMs: z.coerce.number().int().positive().default(10_000),
    natsPrefix: z
      .string()
      .regex(/^[a-z0-9_-]+$/i, "may only hold letters, digits, '-' and '_'")
      .default("flotilla"),
    name: z.string().min(1).default(defaultName),
    namespace: z
      .string()
      .regex(NAMESPACE_PATTERN, "may only hold letters, digits, '-' and '_' (at most 64)")
      .default("default"),
    /** Extra labels; the defaults (`self-hosted`, OS, arch) are always added and all are normalised. */
    labels: labelList.default([]).transform((extra) => normalizeLabels([...defaultRunnerLabels(), ...extra])),
    /**
     * Labels a job must ask for before this runner takes it (`--exclusive-labels gpu`): the GPU
     * machine is kept for GPU jobs. Each is one of the runner's labels too (added when missing).
     */
    exclusiveLabels: labelList.default([]).transform((labels) => normalizeLabels(labels)),
    workDir: z.string().min(1).default(defaultWorkDir),
    keepWorkspace: z.boolean().default(false),
    /**
     * Checkouts through a bare mirror of each repository kept under `<workDir>/_mirrors`, so the
     * next job of a repository fetches only new commits (or nothing). Off: every job fetches its
     * commit from the forge afresh (`--depth=1`).
     */
    gitMirror: z.boolean().default(true),
    /**
     * Extend a running job's lease at least this often. Unset (the default): every third of the
     * lease the job message names (see `extendEveryMs`); a longer value than that is not used.
     */
    leaseExtendMs: z.coerce.number().int().positive().optional(),
    /** Between SIGTERM and SIGKILL when a step is cancelled or times out. */
    cancelGraceMs: z.coerce.number().int().nonnegative().default(10_000),
    concurrency: z.coerce.number().int().positive().default(1),
    /** Caps any workflow's `timeout-minutes` on this runner (`--max-job-minutes`); unset: no cap. */
    maxJobMinutes: z.coerce.number().positive().optional(),
    /** Take exactly one job, then stop (ephemeral runners for autoscalers). */
    once: z.boolean().default(false),
    /** On SIGTERM: how long running jobs may go on before they are handed back as "runner stopping". */
    drainGraceMs: z.coerce.number().int().nonnegative().default(300_000),
    /**
     * Serve `/metrics` and `/healthz` on this port (0: any free port); unset, the runner opens
     * no port at all.
     */
    metricsPort: z.coerce.number().int().min(0).max(65_535).optional(),
    /** Where the metrics port listens: every address, as a pod's probes and Prometheus need. */
    metricsHost: z.string().min(1).default("0.0.0.0"),
    /**
     * Where remote actions (`owner/repo@ref`) come from: `<actionsUrl>/<owner>/<repo>.git`,
     * anonymously (e.g. https://github.com for a runner of a GHES forge, or an internal mirror).
     * Unset: from the job's own forge (its server URL), as GitHub's runner does.
     */
    actionsUrl: z
      .string()
      .refine((value) => URL.canParse(value), "is not a URL")
      .transform((value) => value.replace(/\/+$/, ""))
      .optional(),
  })
  // An exclusive label the runner did not carry would make it take nothing at all.
  .transform((config) => ({ ...config, labels: normalizeLabels([...config.labels, ...config.exclusiveLabels]) }));
export type RunnerConfig = z.infer<typeof RunnerConfig>;
export type RunnerConfigInput = z.input<typeof RunnerConfig>;

/** Every problem with the runner's settings, one line each naming its variable; `flotilla` exits 2 on it. */
export class RunnerConfigError extends Error {
  override name = "RunnerConfigError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid runner configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/** Environment variable for each option; booleans accept true/false/1/0/yes/no. */
const ENV_KEYS = {
  id: "FLOTILLA_RUNNER_ID",
  natsUrl: "FLOTILLA_NATS_URL",
  natsCreds: "FLOTILLA_NATS_CREDS",
  heartbeatMs: "FLOTILLA_RUNNER_HEARTBEAT_MS",
  natsPrefix: "FLOTILLA_NATS_PREFIX",
  name: "FLOTILLA_RUNNER_NAME",
  namespace: "FLOTILLA_RUNNER_NAMESPACE",
  labels: "FLOTILLA_RUNNER_LABELS",
  exclusiveLabels: "FLOTILLA_RUNNER_EXCLUSIVE_LABELS",
  workDir: "FLOTILLA_RUNNER_WORK_DIR",
  keepWorkspace: "FLOTILLA_RUNNER_KEEP_WORKSPACE",
  gitMirror: "FLOTILLA_RUNNER_GIT_MIRROR",
  leaseExtendMs: "FLOTILLA_RUNNER_LEASE_EXTEND_MS",
  cancelGraceMs: "FLOTILLA_RUNNER_CANCEL_GRACE_MS",
  concurrency: "FLOTILLA_RUNNER_CONCURRENCY",
  maxJobMinutes: "FLOTILLA_RUNNER_MAX_JOB_MINUTES",
  once: "FLOTILLA_RUNNER_ONCE",
  drainGraceMs: "FLOTILLA_RUNNER_DRAIN_GRACE_MS",
  metricsPort: "FLOTILLA_RUNNER_METRICS_PORT",
  metricsHost: "FLOTILLA_RUNNER_METRICS_HOST",
  actionsUrl: "FLOTILLA_ACTIONS_URL",
} as const satisfies Record<keyof RunnerConfigInput, string>;

export function readRunnerConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<RunnerConfigInput> = {},
): RunnerConfig {
  // The logger falls back on a bad LOG_LEVEL or LOG_FORMAT; the runner still refuses to start.
  const problems: string[] = [...readLogSettings(env).problems];
  const fromEnv: Record<string, unknown> = {};
  for (const [option, key] of Object.entries(ENV_KEYS)) {
    const value = env[key];
    if (value === undefined || value === "") continue;
    if (option === "keepWorkspace" || option === "once" || option === "gitMirror") {
      const parsed = parseBoolean(value);
      if (parsed === undefined) problems.push(`${key}: "${value}" is not a boolean`);
      else fromEnv[option] = parsed;
      continue;
    }
    fromEnv[option] = value;
  }
  // The bot's names for the same settings, so one environment serves both processes.
  if (fromEnv.natsUrl === undefined && env.NATS_URL) fromEnv.natsUrl = env.NATS_URL;
  if (fromEnv.natsPrefix === undefined && env.NATS_PREFIX) fromEnv.natsPrefix = env.NATS_PREFIX;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const parsed = RunnerConfig.safeParse({ ...fromEnv, ...defined });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const option = String(issue.path[0] ?? "(root)");
      // Named by its variable when the value came from it; a flag or the config file gave it otherwise.
      const key = option in defined ? undefined : ENV_KEYS[option as keyof typeof ENV_KEYS];
      problems.push(`${option}${key ? ` (${key})` : ""}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new RunnerConfigError(problems);
  return parsed.data;
}

function parseBoolean(value: string): boolean | undefined {
  const lower = value.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(lower)) return true;
  if (["0", "false", "no", "off"].includes(lower)) return false;
  return undefined;
}
