/**
 * Message shapes on the bus: the contract between bot and runner. Every message carries
 * `v` so a newer bot can refuse (and say why) a shape an older runner sends, and back.
 */
import { z } from "zod";
import type { LeaseSettings } from "./streams.ts";

export const Conclusion = z.enum(["success", "failure", "cancelled", "timed_out", "skipped"]);
export type Conclusion = z.infer<typeof Conclusion>;

/** One webhook delivery, as ingest writes it to the events stream. */
export const ForgeEvent = z.object({
  v: z.literal(1),
  forge: z.enum(["github", "gitlab", "git"]),
  deliveryId: z.string().min(1),
  name: z.string().min(1),
  payload: z.record(z.unknown()),
  receivedAt: z.string(),
});
export type ForgeEvent = z.infer<typeof ForgeEvent>;

/**
 * One step. Text fields (`name`, `run`, `env` values, `with` values, `workingDirectory`) may
 * hold `${{ }}` templates; `if` is an expression (with or without `${{ }}`). The runner
 * evaluates them with the job's contexts plus what only it knows (`steps`, `runner`, `env`).
 */
export const JobStep = z.object({
  /** The step's `id:` when it has one. */
  id: z.string().optional(),
  name: z.string(),
  if: z.string().optional(),
  run: z.string().optional(),
  /** An action: `owner/repo[/path]@ref`, `./path`, or one Flotilla builds in (`actions/checkout`). */
  uses: z.string().optional(),
  with: z.record(z.string()).default({}),
  shell: z.string().optional(),
  workingDirectory: z.string().optional(),
  env: z.record(z.string()).default({}),
  timeoutMinutes: z.number().positive().optional(),
  continueOnError: z.boolean().default(false),
  /** `timeout-minutes: ${{ … }}` (the expression, without the wrapper): evaluated when the step is about to run. */
  timeoutMinutesExpression: z.string().optional(),
  /** `continue-on-error: ${{ … }}` (the expression): evaluated when the step is about to run. */
  continueOnErrorExpression: z.string().optional(),
});
export type JobStep = z.infer<typeof JobStep>;

const NeedsResult = z.object({
  result: z.enum(["success", "failure", "cancelled", "skipped"]),
  outputs: z.record(z.string()).default({}),
});

const JobContexts = z
  .object({
    /** The `github` context: event payload under `event`, plus sha, ref, repository, run_id… */
    github: z.record(z.unknown()).default({}),
    vars: z.record(z.string()).default({}),
    /** Plumbing only for now; masked in logs by the runner. */
    secrets: z.record(z.string()).default({}),
    matrix: z.record(z.unknown()).nullable().default(null),
    strategy: z.record(z.unknown()).nullable().default(null),
    needs: z.record(NeedsResult).default({}),
    inputs: z.record(z.unknown()).default({}),
  })
  /**
   * Any other key is a named context the run's forge adds (`gitlab`: a GitLab project's hook
   * payload): the runner's expressions may read it, under its name, only when it is here.
   */
  .catchall(z.unknown());

const JOB_CONTEXT_NAMES = new Set(Object.keys(JobContexts.shape));

/** The named contexts a forge added to the job's (see JobContexts). */
export function forgeContexts(contexts: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(contexts).filter(([name]) => !JOB_CONTEXT_NAMES.has(name)));
}

/**
 * A job as published on `<prefix>.jobs.<namespace>.<labelset>`: once per namespace that runs
 * it; `executions` maps that namespace to the execution id reports are about.
 */
export const JobMessage = z.object({
  v: z.literal(1),
  runId: z.string(),
  /** The key under `jobs:` in the workflow file. */
  jobKey: z.string(),
  name: z.string(),
  executions: z.record(z.string()),
  labels: z.array(z.string()),
  workflow: z.object({ name: z.string(), path: z.string() }),
  repository: z.object({ fullName: z.string(), private: z.boolean().default(false) }),
  /**
   * Where the code is: always the event's own repository — a pull request's code, a fork's
   * too, comes from that repository's `refs/pull/<n>/*`, as GitHub's own checkout fetches it.
   */
  checkout: z.object({
    cloneUrl: z.string(),
    /** The commit the job runs at (`github.sha`). */
    sha: z.string(),
    /**
     * The ref that holds `sha` on the forge, when no branch does: `refs/pull/7/merge`. The
     * runner fetches it and checks `sha` out (fetching `sha` itself when the ref has moved on
     * since), and leaves it as actions/checkout does (`refs/remotes/pull/7/merge`).
     */
    ref: z.string().optional(),
    /**
     * Short-lived, repository-scoped, contents-read token for the clone. The runner passes
     * it to git only through the environment of the git process; it never reaches logs or
     * steps. `user:secret` when the forge checks the user too (GitLab's deploy tokens); a
     * bare token otherwise, sent as GitHub takes it (user `x-access-token`).
     */
    token: z.string().optional(),
  }),
  sha: z.string(),
  ref: z.string(),
  eventName: z.string(),
  actor: z.string().default(""),
  serverUrl: z.string().default("https://github.com"),
  apiUrl: z.string().default("https://api.github.com"),
  /** Where `uses:` actions come from when not from `serverUrl` (GitLab serves none: github.com). */
  actionsUrl: z.string().optional(),
  runNumber: z.number().int().default(1),
  runAttempt: z.number().int().default(1),
  env: z.record(z.string()).default({}),
  steps: z.array(JobStep),
  timeoutMinutes: z.number().positive().default(360),
  /** `defaults.run` of the workflow and job, merged (job wins). */
  defaults: z.object({ shell: z.string().optional(), workingDirectory: z.string().optional() }).default({}),
  /**
   * `jobs.<id>.environment`: its name, evaluated by the bot, and its `url` as written — a
   * template the runner evaluates when the job ends, as GitHub does (it may read `steps`).
   */
  environment: z.object({ name: z.string(), url: z.string().optional() }).optional(),
  /** The job's `outputs:` templates, evaluated by the runner when the job ends. */
  outputs: z.record(z.string()).default({}),
  /** Contexts the bot knows; the runner adds `steps`, `runner`, `env` and `job`. */
  contexts: JobContexts.default({}),
  /**
   * A secret of this message: every report about the job carries it back, and the bot refuses
   * reports (and secrets requests) without it, so only a runner that was given the job can speak for it.
   */
  claim: z.string().default(""),
  /** Added to the JetStream delivery count to give the attempt (the bot republishes after deliveries run out). */
  attemptBase: z.number().int().nonnegative().default(0),
  /** Names of the secrets the job's templates use: the runner asks the bot for them (SecretsRequest) only when there are some. */
  secretNames: z.array(z.string()).default([]),
  /**
   * The lease this message's queue gives a runner (its consumer's AckWait and delivery limit):
   * the runner extends it every third of `ackWaitMs`. Absent from older bots' messages.
   */
  lease: z
    .object({ ackWaitMs: z.number().int().positive(), maxDeliver: z.number().int() })
    .optional() satisfies z.ZodType<LeaseSettings | undefined>,
});
export type JobMessage = z.infer<typeof JobMessage>;
export type JobMessageInput = z.input<typeof JobMessage>;

export const RunnerRef = z.object({
  /** Absent from runners older than the fleet protocol; the subject carries it too. */
  id: z.string().optional(),
  name: z.string(),
  namespace: z.string(),
  labels: z.array(z.string()),
  /** Labels a job must ask for before this runner takes it (a subset of `labels`). */
  exclusiveLabels: z.array(z.string()).default([]),
  version: z.string(),
});
export type RunnerRef = z.infer<typeof RunnerRef>;

export const StepResult = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  /** The result before `continue-on-error` (GitHub's `steps.<id>.outcome`). */
  outcome: Conclusion.optional(),
  conclusion: Conclusion,
  startedAt: z.string(),
  completedAt: z.string(),
});
export type StepResult = z.infer<typeof StepResult>;

const base = {
  v: z.literal(1),
  executionId: z.string(),
  /** The JetStream delivery this report belongs to: results of older attempts are refused. */
  attempt: z.number().int().positive(),
  /** The job message's `claim`. */
  claim: z.string().default(""),
  at: z.string(),
};

/** From `::error file=,line=::message` and friends in a step's output. */
export const RunnerAnnotation = z.object({
  level: z.enum(["error", "warning", "notice"]),
  message: z.string(),
  title: z.string().optional(),
  file: z.string().optional(),
  line: z.number().int().positive().optional(),
  endLine: z.number().int().positive().optional(),
  col: z.number().int().positive().optional(),
  endColumn: z.number().int().positive().optional(),
  /** The job log's line (1-based, as the log page numbers it) the command was printed on. */
  logLine: z.number().int().positive().optional(),
});
export type RunnerAnnotation = z.infer<typeof RunnerAnnotation>;

export const RunnerEvent = z.discriminatedUnion("type", [
  z.object({ ...base, type: z.literal("started"), runner: RunnerRef }),
  /** The runner gives the attempt back unfinished (stopping, no free slot): not a lost attempt. */
  z.object({ ...base, type: z.literal("released"), reason: z.string() }),
  z.object({
    ...base,
    type: z.literal("step"),
    index: z.number().int().nonnegative(),
    name: z.string(),
    status: z.enum(["in_progress", "completed"]),
    conclusion: Conclusion.optional(),
  }),
  z.object({
    ...base,
    type: z.literal("completed"),
    conclusion: Conclusion,
    steps: z.array(StepResult),
    /** The end of the log, for the check run's text; the full log went out as chunks. */
    logTail: z.string(),
    /** Why the job ended the way it did, when it was not a step's own exit (clone failed, timed out). */
    message: z.string().optional(),
    /** The job's `outputs:`, evaluated. */
    outputs: z.record(z.string()).default({}),
    annotations: z.array(RunnerAnnotation).default([]),
    /** What the steps wrote to GITHUB_STEP_SUMMARY, in order (markdown). */
    summary: z.string().default(""),
  }),
]);
export type RunnerEvent = z.infer<typeof RunnerEvent>;
/** What a runner sends: fields with defaults may be left out. */
export type RunnerEventInput = z.input<typeof RunnerEvent>;

/** A numbered piece of a job's log. `offset` is the byte offset of `data` in the whole log. */
export const LogChunk = z.object({
  v: z.literal(1),
  executionId: z.string(),
  attempt: z.number().int().positive(),
  claim: z.string().default(""),
  seq: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  data: z.string(),
});
export type LogChunk = z.infer<typeof LogChunk>;

/** What the bot announces in the labelsets bucket when it creates a namespace's job consumer. */
export const LabelsetEntry = z.object({
  namespace: z.string(),
  labels: z.array(z.string()),
  subject: z.string(),
  stream: z.string(),
  consumer: z.string(),
});
export type LabelsetEntry = z.infer<typeof LabelsetEntry>;

/** Every few seconds from each runner, on `heartbeatSubject(runner.id)`. */
export const RunnerHeartbeat = z.object({
  v: z.literal(1),
  runner: RunnerRef.extend({ id: z.string() }),
  concurrency: z.number().int().positive(),
  /** Execution ids of the jobs running now. */
  running: z.array(z.string()),
  /** Draining: takes no new jobs. */
  stopping: z.boolean().default(false),
  at: z.string(),
});
export type RunnerHeartbeat = z.infer<typeof RunnerHeartbeat>;

/**
 * A runner asks to start an attempt of a job it was delivered, and for the job's secrets when
 * `secrets` (`secretsSubject(runnerId)`, the subject runners' credentials have always allowed).
 * Asked before every attempt: JetStream may deliver a job again that already ran (a server
 * that lost an ack), and only Postgres knows.
 */
export const SecretsRequest = z.object({
  v: z.literal(1),
  executionId: z.string(),
  attempt: z.number().int().positive(),
  claim: z.string(),
  /** Whether the reply carries the job's secrets (a runner before the start ask always wanted them). */
  secrets: z.boolean().default(true),
});
export type SecretsRequest = z.infer<typeof SecretsRequest>;

/**
 * Refused with `settle`: this attempt must not run, and the runner settles the message so —
 * `term` (the job completed, or this message was replaced by a newer publish) or `later`
 * (another runner holds the job: nak with a delay, so the message stays posted in case that
 * runner dies). Refused without `settle`: the job runs only if it needs no secrets.
 */
export const SecretsReply = z.union([
  z.object({ v: z.literal(1), ok: z.literal(true), secrets: z.record(z.string()) }),
  z.object({
    v: z.literal(1),
    ok: z.literal(false),
    error: z.string(),
    settle: z.enum(["term", "later"]).optional(),
  }),
]);
export type SecretsReply = z.infer<typeof SecretsReply>;

/** The bot to one runner (`controlSubject(runnerId)`). */
export const RunnerControl = z.object({
  v: z.literal(1),
  type: z.literal("removed"),
  message: z.string(),
});
export type RunnerControl = z.infer<typeof RunnerControl>;

export function encode(message: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(message));
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** Parses a bus message, with an error that names the shape and what is wrong. */
export function decode<T extends z.ZodTypeAny>(schema: T, data: Uint8Array, what: string): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(data));
  } catch (cause) {
    throw new ProtocolError(`${what}: not JSON`, { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError(
      `${what}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}
