/**
 * What Flotilla remembers. Everything a bot needs to carry on after a crash is here or in
 * JetStream; nothing lives only in a process's memory.
 */
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { JobMessage, RunnerAnnotation } from "../protocol/messages.ts";

/**
 * A job as planned: the job message without the per-release parts (executions, token, needs,
 * github), and for a job of a called workflow the `secrets:` chain the bot applies when its
 * runner asks for secrets (templates as written, never a value). Neither `secretChain`,
 * `refusal` nor `deferred` is sent to a runner. The job's `environment` (its evaluated name)
 * is what the secrets responder scopes the job's secrets by.
 */
export type JobSpec = JobMessage & {
  secretChain?: (Record<string, string> | "inherit")[];
  /** Why the job cannot run (a feature Flotilla does not support): completed as failed when released. */
  refusal?: string;
  deferred?: DeferredFields;
};

/**
 * A job's fields that read the `needs` context, as written: GitHub decides them when the job's
 * needs are done, and so does Flotilla (bot/scheduler/release-settings.ts). Every other job
 * field is decided when the run is planned, from contexts that do not change until then.
 */
export interface DeferredFields {
  runsOn?: string[];
  /** The expression, without its wrapper. */
  timeoutMinutes?: string;
  /** The expression, without its wrapper. */
  continueOnError?: string;
  concurrency?: { group: string; cancelInProgress: boolean; cancelInProgressExpression?: string };
  /** The environment's name (a template). */
  environmentName?: string;
}

/** One row per forge delivery: the second copy of a redelivered webhook finds its row. */
export const deliveries = pgTable("deliveries", {
  id: text("id").primaryKey(),
  forge: text("forge").notNull(),
  event: text("event").notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  plannedAt: timestamp("planned_at", { withTimezone: true }),
});

/** Namespaces that follow repositories. `default` always exists (seeded by the first migration). */
export const namespaces = pgTable("namespaces", {
  name: text("name").primaryKey(),
  /** Repository globs (`owner/*`, `owner/repo`) this namespace follows; empty: every repository. */
  follows: jsonb("follows").$type<string[]>().notNull().default([]),
  /** GitHub-hosted labels mapped onto this namespace's runners (`ubuntu-latest` → linux, x64): bot/fleet/label-aliases.ts. */
  aliases: jsonb("aliases").$type<Record<string, string[]>>().notNull().default({}),
  /** Priority rules as the operator wrote them (`acme/app:main=high,*:dependabot/*=low`): bot/scheduler/scheduling-rules.ts. */
  priority: text("priority").notNull().default(""),
  /** Fair-share weights as the operator wrote them (`acme/*=2`). */
  weights: text("weights").notNull().default(""),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A runner the bot knows: registered with a token, or (open NATS mode only) announced by its
 * first heartbeat. `removedAt` set: its credential is revoked and nothing it sends is accepted.
 */
export const runners = pgTable(
  "runners",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    namespace: text("namespace").notNull(),
    labels: jsonb("labels").$type<string[]>().notNull().default([]),
    /** Labels a job must ask for before this runner takes it (`--exclusive-labels`). */
    exclusiveLabels: jsonb("exclusive_labels").$type<string[]>().notNull().default([]),
    version: text("version").notNull().default(""),
    /** The runner's NATS user nkey (JWT mode): what `runner remove` revokes. */
    publicKey: text("public_key"),
    concurrency: integer("concurrency").notNull().default(1),
    /** Execution ids the runner said it was running in its last heartbeat. */
    running: jsonb("running").$type<string[]>().notNull().default([]),
    registeredAt: timestamp("registered_at", { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
    removedAt: timestamp("removed_at", { withTimezone: true }),
  },
  (t) => [index("runners_namespace").on(t.namespace)],
);

/** One-time registration tokens (`flotilla token create`); only a hash is kept. */
export const registrationTokens = pgTable("registration_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  namespace: text("namespace").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  runnerId: uuid("runner_id"),
});

/**
 * Repository (`owner/repo`) and organisation (`owner`) secrets, encrypted at rest with a key
 * from the environment (AES-256-GCM; `keyId` names the key so it can be rotated).
 */
export const secrets = pgTable(
  "secrets",
  {
    scope: text("scope").notNull(),
    name: text("name").notNull(),
    keyId: text("key_id").notNull(),
    ciphertext: text("ciphertext").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.name] })],
);

/** A workflow run: one workflow file for one event. */
export const runs = pgTable(
  "runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    deliveryId: text("delivery_id").notNull(),
    forge: text("forge").notNull(),
    installationId: bigint("installation_id", { mode: "number" }),
    repository: text("repository").notNull(),
    workflowPath: text("workflow_path").notNull(),
    workflowName: text("workflow_name").notNull(),
    eventName: text("event_name").notNull(),
    /** A pull request from a fork (no secrets); null for runs planned before the column, read from `githubContext` then. */
    fork: boolean("fork"),
    /** Whether the forge called the repository private; null for runs planned before the column: private then. */
    private: boolean("private"),
    sha: text("sha").notNull(),
    ref: text("ref").notNull(),
    /** Unguessable: the log pages want it, and only the check run's viewers see the link. */
    accessToken: text("access_token").notNull(),
    runNumber: integer("run_number").notNull().default(1),
    /** `github.run_attempt`: 1, then one more for each re-run (its jobs are rows with that `run_attempt`). */
    attempt: integer("attempt").notNull().default(1),
    status: text("status").$type<"queued" | "in_progress" | "completed">().notNull().default("queued"),
    conclusion: text("conclusion"),
    /** Why the run failed before any job could start (a workflow that does not parse). */
    error: text("error"),
    /** The check run that reports `error`, named after the workflow file. */
    checkRunId: bigint("check_run_id", { mode: "number" }),
    /** When that check run's creation was first asked for (see `jobs.checkRequestedAt`). */
    checkRequestedAt: timestamp("check_requested_at", { withTimezone: true }),
    /** `concurrency.group`, evaluated: the run holds or waits for it (see `concurrencyGroups`). */
    concurrencyGroup: text("concurrency_group"),
    /** The `github` context jobs of this run see (event payload included), for jobs released later. */
    githubContext: jsonb("github_context").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("runs_delivery_workflow").on(t.deliveryId, t.workflowPath),
    index("runs_repository_sha").on(t.repository, t.sha),
    /** The runs list (`/`): newest first, a page at a time from a run's (created_at, id). */
    index("runs_created").on(t.createdAt.desc(), t.id.desc()),
  ],
);

/** The commit status of a run as one namespace sees it. */
export const runStatuses = pgTable(
  "run_statuses",
  {
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    namespace: text("namespace").notNull(),
    context: text("context").notNull(),
    state: text("state").$type<"pending" | "success" | "failure" | "error">().notNull().default("pending"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.namespace] })],
);

/** One job as one namespace runs it: what a check run shows. Its id is the execution id on the bus. */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    /** Unique in the run: the job id, or `id (leg values)` for a matrix leg. */
    jobKey: text("job_key").notNull(),
    /** The id under `jobs:`: what other jobs' `needs` name. */
    jobId: text("job_id").notNull().default(""),
    name: text("name").notNull(),
    needs: jsonb("needs").$type<string[]>().notNull().default([]),
    /** `continue-on-error`: a failure of this job fails neither the run nor the jobs that need it. */
    continueOnError: boolean("continue_on_error").notNull().default(false),
    /** The job's `if`, evaluated when its needs are done. */
    condition: text("condition").notNull().default("success()"),
    /** The job message without the per-release parts: see JobSpec. */
    spec: jsonb("spec").$type<JobSpec>(),
    /** Legs of the same matrix job allowed to run at once (`max-parallel`). */
    maxParallel: integer("max_parallel"),
    outputs: jsonb("outputs").$type<Record<string, string>>().notNull().default({}),
    /** The `::error`/`::warning`/`::notice` annotations of the attempt that completed, for the job page. */
    annotations: jsonb("annotations").$type<RunnerAnnotation[]>().notNull().default([]),
    /**
     * A job of a called (reusable) workflow: `on.workflow_call.outputs` of each call it is
     * inside, by the call's job-id scope, so the caller's `needs.<caller>.outputs` can be
     * computed when its jobs are done (bot/planner/reusable-workflows.ts).
     */
    callOutputs: jsonb("call_outputs").$type<Record<string, Record<string, string>>>().notNull().default({}),
    namespace: text("namespace").notNull(),
    labels: jsonb("labels").$type<string[]>().notNull(),
    /** The run attempt this row belongs to: a re-run makes new rows for the jobs it runs again. */
    runAttempt: integer("run_attempt").notNull().default(1),
    /**
     * Set when a re-run replaced this row with a newer attempt's: the row stays as the run's
     * history (its check run, log and result), and nothing schedules or settles on it again.
     */
    supersededAt: timestamp("superseded_at", { withTimezone: true }),
    status: text("status").$type<"queued" | "in_progress" | "completed">().notNull().default("queued"),
    conclusion: text("conclusion"),
    /** The delivery whose results we accept; older attempts are refused. */
    attempt: integer("attempt").notNull().default(0),
    runnerName: text("runner_name"),
    /** The runner holding `attempt`: reports of that attempt from any other runner are refused. */
    runnerId: uuid("runner_id"),
    /**
     * A secret of the published job message: only a runner that received the message knows it,
     * so no other runner can report on (or ask secrets for) a job it does not hold.
     */
    claim: text("claim"),
    /** Attempts whose runner vanished (lease lapsed with no result); at the limit: "runner lost". */
    lostAttempts: integer("lost_attempts").notNull().default(0),
    /** The job message's sequence in its namespace's jobs stream, to find it from advisories. */
    streamSeq: bigint("stream_seq", { mode: "number" }),
    /** Added to the delivery count when the message is published again after deliveries ran out. */
    attemptBase: integer("attempt_base").notNull().default(0),
    checkRunId: bigint("check_run_id", { mode: "number" }),
    /**
     * Set before the check run is created, so an attempt that finds it set with no
     * `check_run_id` knows an earlier one may have created it on the forge (its answer or the
     * Postgres write lost) and looks it up by `external_id` (the job id) before creating.
     */
    checkRequestedAt: timestamp("check_requested_at", { withTimezone: true }),
    steps: jsonb("steps")
      .$type<
        { index: number; name: string; status: string; conclusion?: string; startedAt?: string; completedAt?: string }[]
      >()
      .notNull()
      .default([]),
    message: text("message"),
    /** `jobs.<id>.concurrency.group`, evaluated with the job's contexts when the run was planned. */
    concurrencyGroup: text("concurrency_group"),
    /** `jobs.<id>.concurrency.cancel-in-progress`, decided when the run was planned. */
    concurrencyCancel: boolean("concurrency_cancel").notNull().default(false),
    /** Why the job was held back by a concurrency group ("Waiting for deploy: Deploy #3 is running"). */
    waitedFor: text("waited_for"),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("jobs_run_key_namespace_attempt").on(t.runId, t.jobKey, t.namespace, t.runAttempt)],
);

/** A job's log as numbered chunks, so a chunk delivered twice is stored once. */
export const logChunks = pgTable(
  "log_chunks",
  {
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    seq: integer("seq").notNull(),
    offset: bigint("offset", { mode: "number" }).notNull(),
    data: text("data").notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.attempt, t.seq] })],
);

/**
 * A concurrency group of a repository: the run (or job) that holds it and the one waiting for
 * it — GitHub keeps at most one of each. `scope` is `run` for `concurrency` at the top of a
 * workflow, `job:<namespace>` for `jobs.<id>.concurrency`. Changed only with the row locked
 * (bot/planner/concurrency.ts), so several bots agree on who holds it.
 */
export const concurrencyGroups = pgTable(
  "concurrency_groups",
  {
    repository: text("repository").notNull(),
    scope: text("scope").notNull(),
    name: text("name").notNull(),
    /** The run id (scope `run`) or job id holding the group; it holds it until it completes. */
    running: uuid("running"),
    /** The one run or job waiting for it; a newer one cancels it and takes its place. */
    pending: uuid("pending"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repository, t.scope, t.name] })],
);

/**
 * The pull requests the bot has planned runs for, as of their last event: a command in a
 * comment names only the PR, and finds its head commit here without asking the forge.
 */
export const pullRequests = pgTable(
  "pull_requests",
  {
    repository: text("repository").notNull(),
    number: integer("number").notNull(),
    headSha: text("head_sha").notNull(),
    /** The head is in another repository (a fork). */
    fork: boolean("fork").notNull().default(false),
    author: text("author").notNull(),
    /** The failure summary comment the bot keeps on the PR (edited, never posted twice). */
    summaryCommentId: bigint("summary_comment_id", { mode: "number" }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repository, t.number] })],
);

/** `/ok-to-test`: a maintainer approved CI for exactly this head commit of a fork's pull request. */
export const approvals = pgTable(
  "approvals",
  {
    repository: text("repository").notNull(),
    sha: text("sha").notNull(),
    pullNumber: integer("pull_number").notNull(),
    approvedBy: text("approved_by").notNull(),
    approvedAt: timestamp("approved_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repository, t.sha] })],
);

/**
 * A plain git repository Flotilla follows with no webhook (bot/forges/git): polled with
 * `git ls-remote`, or at once when its `post-receive` hook calls `/git/hook`. `heads` are the
 * branch heads last seen (the poll's memory, so a restarted bot starts no run twice).
 */
export const gitFollows = pgTable("git_follows", {
  /** The repository as runs and namespaces name it, host-qualified (`git.example.com/team/app`). */
  name: text("name").primaryKey(),
  /** What git fetches: a local path, `file://`, `git://`, `ssh://` or `https://` URL. */
  url: text("url").notNull().unique(),
  /** Branch globs whose heads run; empty: the default branch only. */
  branches: jsonb("branches").$type<string[]>().notNull().default([]),
  /** Where results are pushed as git notes; null: the followed repository itself. */
  resultsRepo: text("results_repo"),
  /** sha256 of the post-receive hook's token (hex); null until `--print-hook` made one. */
  hookTokenHash: text("hook_token_hash"),
  /** `refs/heads/<branch>` → sha, as the last poll saw them. */
  heads: jsonb("heads").$type<Record<string, string>>().notNull().default({}),
  /** The default branch (`HEAD`'s target) at the last poll. */
  defaultBranch: text("default_branch"),
  polledAt: timestamp("polled_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  /**
   * Set for a repository followed through federation (`flotilla follow HOST/OWNER/REPO`): the
   * upstream Flotilla whose published events run it. Never polled; `url` is the clone URL the
   * latest event named.
   */
  upstream: text("upstream"),
});

/** Upstream (docs/federation.md): repository patterns whose public repositories' events go to followers (`flotilla federation publish`). */
export const federationPublications = pgTable("federation_publications", {
  /** `owner/name` glob, as namespaces follow (`acme/*`). */
  pattern: text("pattern").primaryKey(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Upstream: a follower invited (`flotilla federation invite`), whose results may be accepted. */
export const federationFollowers = pgTable("federation_followers", {
  name: text("name").primaryKey(),
  /** Its run summaries show on commits (`flotilla federation accept`). */
  accepted: boolean("accepted").notNull().default(false),
  revokedAt: timestamp("revoked_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Downstream: an upstream joined (`flotilla federation join`); the bot keeps a stream sourcing from it. */
export const federationUpstreams = pgTable("federation_upstreams", {
  /** Downstream's name for it: a token of stream names. */
  name: text("name").primaryKey(),
  /** Upstream's JetStream domain, stream and this follower's name there (from the credential). */
  domain: text("domain").notNull(),
  stream: text("stream").notNull(),
  follower: text("follower").notNull(),
  /** The deliver subject upstream's server lets this follower's consumer use. */
  deliver: text("deliver").notNull(),
  resultsSubject: text("results_subject").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The `on.schedule` crons of a repository's default branch, as the planner last read them there
 * (bot/schedules/): every push to the default branch replaces the repository's set. What a bot's
 * timer fires; `repository` is the forge's repository object, for the scheduled event's payload.
 */
export const schedules = pgTable(
  "schedules",
  {
    forge: text("forge").notNull(),
    /** `owner/repo`, as runs name it. */
    repositoryName: text("repository_name").notNull(),
    workflowPath: text("workflow_path").notNull(),
    cron: text("cron").notNull(),
    /** IANA time zone of `on.schedule[].timezone`; empty: UTC. */
    timezone: text("timezone").notNull().default(""),
    installationId: bigint("installation_id", { mode: "number" }),
    repository: jsonb("repository").$type<Record<string, unknown>>().notNull(),
    /** Who pushed the schedule: the scheduled runs' `github.actor`, as on GitHub. */
    actor: text("actor").notNull(),
    /** The default branch's commit the set was read at. */
    sha: text("sha").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.forge, t.repositoryName, t.workflowPath, t.cron, t.timezone] })],
);

/**
 * The workflows (by `name:`) that a workflow on a repository's default branch follows with
 * `on: workflow_run`, kept like `schedules`: only a run of one of these is announced as a
 * `workflow_run` event, so a repository that follows nothing costs no event and no API read.
 */
export const followedWorkflows = pgTable(
  "followed_workflows",
  {
    forge: text("forge").notNull(),
    repositoryName: text("repository_name").notNull(),
    workflowName: text("workflow_name").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.forge, t.repositoryName, t.workflowName] })],
);
