/**
 * The parts of GitHub webhook payloads Flotilla reads. Permissive: only the fields used, so a
 * new field GitHub adds never breaks intake. Intake refuses a run or steering event that fails
 * its schema here (bot/forges/github/stored-events.ts), so what is stored is what the planner
 * (bot/forges/github/event-context.ts) or the steering (steer-event.ts) can read.
 */
import { z } from "zod";

const Repository = z.object({
  id: z.number(),
  name: z.string(),
  full_name: z.string(),
  private: z.boolean().default(false),
  clone_url: z.string(),
  owner: z.object({ login: z.string() }).passthrough(),
  /** Where schedules, dispatches and workflow_run runs run; a push to it records the schedules. */
  default_branch: z.string().optional(),
});

/** A repository whose default branch the event runs on. */
const RepositoryWithDefault = Repository.extend({ default_branch: z.string() });

const Installation = z.object({ id: z.number() }).passthrough();
const Sender = z.object({ login: z.string() }).passthrough();

export const PushEvent = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().default(false),
  repository: Repository,
  installation: Installation,
  sender: Sender.optional(),
  pusher: z.object({ name: z.string() }).passthrough().optional(),
});

export const PullRequestEvent = z.object({
  action: z.string(),
  number: z.number(),
  pull_request: z.object({
    number: z.number(),
    user: Sender.optional(),
    head: z.object({ sha: z.string(), ref: z.string(), repo: Repository.nullable() }),
    base: z.object({ sha: z.string(), ref: z.string(), repo: Repository }),
  }),
  repository: Repository,
  installation: Installation,
  sender: Sender.optional(),
});

export const WorkflowDispatchEvent = z.object({
  ref: z.string(),
  workflow: z.string(),
  inputs: z.record(z.unknown()).nullable().default({}),
  repository: Repository,
  installation: Installation,
  sender: Sender.optional(),
});

/** `POST /repos/{o}/{r}/dispatches`: `action` is the caller's `event_type`. */
export const RepositoryDispatchEvent = z.object({
  action: z.string(),
  client_payload: z.record(z.unknown()).nullish(),
  repository: RepositoryWithDefault,
  installation: Installation,
  sender: Sender.optional(),
});

export const ReleaseEvent = z.object({
  action: z.string(),
  release: z.object({ tag_name: z.string(), draft: z.boolean().default(false) }).passthrough(),
  repository: Repository,
  installation: Installation,
  sender: Sender.optional(),
});

/**
 * A slot of an `on.schedule` cron, as bot/schedules/ publishes it: GitHub's `schedule` payload
 * (`schedule`, `workflow`, `repository`) with the installation the schedule was recorded under.
 */
export const ScheduleEvent = z.object({
  schedule: z.string(),
  workflow: z.string(),
  repository: RepositoryWithDefault,
  installation: Installation,
  sender: Sender.optional(),
});

/**
 * A Flotilla run of the same repository requested or completed, as bot/scheduler/announce-run.ts
 * publishes it: GitHub's `workflow_run` payload. GitHub's own `workflow_run` webhooks (about
 * GitHub Actions' runs) are never stored.
 */
export const WorkflowRunEvent = z.object({
  action: z.string(),
  workflow_run: z.object({ name: z.string(), head_branch: z.string().nullable() }).passthrough(),
  repository: RepositoryWithDefault,
  installation: Installation,
  sender: Sender.optional(),
});

/** Who commented or pressed a button: `type` tells a person (`User`) from an app (`Bot`). */
const Actor = z.object({ login: z.string(), type: z.string() }).passthrough();
/** Steering events name their repository only to find its runs. */
const RepositoryName = z.object({ full_name: z.string() }).passthrough();

/** A comment on an issue or pull request: `issue.pull_request` is there only for a pull request. */
export const IssueCommentEvent = z.object({
  action: z.string(),
  issue: z.object({ number: z.number(), pull_request: z.object({}).passthrough().nullish() }).passthrough(),
  comment: z.object({ id: z.number(), body: z.string(), user: Actor }).passthrough(),
  repository: RepositoryName,
  installation: Installation,
  sender: Actor,
});

/** "Re-run" (`rerequested`) on a check run; `external_id` is the job's id when Flotilla made it. */
export const CheckRunEvent = z.object({
  action: z.string(),
  check_run: z.object({ id: z.number(), external_id: z.string().nullable() }).passthrough(),
  repository: RepositoryName,
  installation: Installation,
  sender: Actor,
});

/** A button of the check run pressed (`requested_action`): which one is its `identifier`. */
export const CheckRunActionEvent = CheckRunEvent.extend({
  requested_action: z.object({ identifier: z.string() }).passthrough(),
});

/** "Re-run all checks" (`rerequested`) on a check suite: every job of its commit. */
export const CheckSuiteEvent = z.object({
  action: z.string(),
  check_suite: z.object({ head_sha: z.string() }).passthrough(),
  repository: RepositoryName,
  installation: Installation,
  sender: Actor,
});
