/**
 * Turns a GitHub webhook into a RunContext, or explains why it starts nothing.
 */
import { repoRef } from "../../runs/repo-ref.ts";
import type { RunContext } from "../../runs/run-context.ts";
import { z } from "zod";
import { fail, ok, type Result } from "../../../protocol/result.ts";
import {
  PullRequestEvent,
  PushEvent,
  ReleaseEvent,
  RepositoryDispatchEvent,
  ScheduleEvent,
  WorkflowDispatchEvent,
  WorkflowRunEvent,
} from "./schema.ts";

/** Pull request actions that start runs, as GitHub Actions' default `types` for pull_request. */
const PR_ACTIONS = new Set(["opened", "synchronize", "reopened"]);

export type ContextResult = Result<RunContext>;

/** An event handled here must also be listed in bot/forges/github/stored-events.ts, or intake drops it unstored. */
export function githubRunContext(deliveryId: string, name: string, payload: unknown): ContextResult {
  if (name === "push") return pushContext(deliveryId, payload);
  if (name === "pull_request") return pullRequestContext(deliveryId, payload);
  if (name === "workflow_dispatch") return dispatchContext(deliveryId, payload);
  if (name === "schedule") return scheduleContext(deliveryId, payload);
  if (name === "repository_dispatch") return repositoryDispatchContext(deliveryId, payload);
  if (name === "release") return releaseContext(deliveryId, payload);
  if (name === "workflow_run") return workflowRunContext(deliveryId, payload);
  return fail(`event ${name} starts no run`);
}

/** The payload as `schema` reads it, or which field it lacks. */
function readPayload<S extends z.ZodTypeAny>(schema: S, payload: unknown, event: string): Result<z.infer<S>> {
  const parsed = schema.safeParse(payload);
  return parsed.success ? ok(parsed.data) : fail(`${event} payload lacks ${parsed.error.issues[0]?.path.join(".")}`);
}

function pushContext(deliveryId: string, payload: unknown): ContextResult {
  const parsed = readPayload(PushEvent, payload, "push");
  if (!parsed.ok) return parsed;
  const push = parsed.value;
  if (push.deleted || /^0+$/.test(push.after)) return fail("push deleted a ref");
  return ok({
    ...refEventContext(deliveryId, "push", push),
    sha: push.after,
    actor: push.sender?.login ?? push.pusher?.name ?? "",
    changedFiles: pushedFiles(payload),
  });
}

/** A push or a dispatch: an event about a ref of the repository itself. */
function refEventContext(
  deliveryId: string,
  eventName: string,
  event: {
    ref: string;
    repository: { full_name: string; private: boolean; clone_url: string; default_branch?: string };
    installation: { id: number };
    sender?: { login: string };
  },
): RunContext {
  const repo = repoRef(event.repository.full_name);
  const tag = event.ref.startsWith("refs/tags/");
  return {
    forge: "github",
    deliveryId,
    installationId: event.installation.id,
    repo,
    private: event.repository.private,
    eventName,
    sha: "",
    ref: event.ref,
    filterRef: { kind: tag ? "tag" : "branch", name: event.ref.replace(/^refs\/(heads|tags)\//, "") },
    actor: event.sender?.login ?? "",
    checkout: { cloneUrl: event.repository.clone_url },
    fork: false,
    ...(event.repository.default_branch ? { defaultBranch: event.repository.default_branch } : {}),
  };
}

const PushCommits = z.object({
  commits: z.array(
    z
      .object({
        added: z.array(z.string()).default([]),
        modified: z.array(z.string()).default([]),
        removed: z.array(z.string()).default([]),
      })
      .passthrough(),
  ),
});

/** GitHub's payload lists at most this many commits; a longer push has files we cannot see. */
const PAYLOAD_COMMIT_LIMIT = 20;

/**
 * The files a push changed, from its commits, for `paths` filters. Undefined (paths filters
 * then match) when the payload cannot tell: no commits listed (a new branch) or a push
 * longer than the payload's list.
 */
function pushedFiles(payload: unknown): string[] | undefined {
  const parsed = PushCommits.safeParse(payload);
  if (!parsed.success) return undefined;
  const { commits } = parsed.data;
  if (commits.length === 0 || commits.length >= PAYLOAD_COMMIT_LIMIT) return undefined;
  return [...new Set(commits.flatMap((c) => [...c.added, ...c.modified, ...c.removed]))];
}

function pullRequestContext(deliveryId: string, payload: unknown): ContextResult {
  const parsed = readPayload(PullRequestEvent, payload, "pull_request");
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  if (!PR_ACTIONS.has(event.action)) return fail(`pull_request ${event.action} starts no run`);
  const pr = event.pull_request;
  const repo = repoRef(event.repository.full_name);
  // As on GitHub Actions: jobs run at the test merge of the head into the base, which the
  // base repository keeps (for a fork's head too) at refs/pull/N/merge; the planner asks the
  // forge for its commit. Check runs stay on the head.
  const merge = `refs/pull/${pr.number}/merge`;
  return ok({
    forge: "github",
    deliveryId,
    installationId: event.installation.id,
    repo,
    private: event.repository.private,
    eventName: "pull_request",
    action: event.action,
    sha: pr.head.sha,
    ref: merge,
    filterRef: { kind: "branch", name: pr.base.ref },
    actor: event.sender?.login ?? "",
    checkout: { cloneUrl: event.repository.clone_url, ref: merge },
    // A deleted fork leaves no head repository: nobody can tell where its code came from.
    fork: pr.head.repo?.full_name.toLowerCase() !== event.repository.full_name.toLowerCase(),
    pullRequest: {
      number: pr.number,
      headRef: pr.head.ref,
      baseRef: pr.base.ref,
      author: pr.user?.login ?? event.sender?.login ?? "",
      headOwner: pr.head.repo?.full_name.split("/")[0] ?? "",
    },
  });
}

/** The commit is the ref's head when the run is planned (GitHub's payload names no SHA): `sha` is left to the planner. */
function dispatchContext(deliveryId: string, payload: unknown): ContextResult {
  const parsed = readPayload(WorkflowDispatchEvent, payload, "workflow_dispatch");
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  return ok({ ...refEventContext(deliveryId, "workflow_dispatch", event), workflowPath: event.workflow });
}

/** A cron slot (bot/schedules/): the one workflow, at the default branch's head when planned, as on GitHub. */
function scheduleContext(deliveryId: string, payload: unknown): ContextResult {
  const parsed = readPayload(ScheduleEvent, payload, "schedule");
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  const ref = `refs/heads/${event.repository.default_branch}`;
  return ok({
    ...refEventContext(deliveryId, "schedule", { ...event, ref }),
    workflowPath: event.workflow,
    schedule: { cron: event.schedule },
  });
}

/** `POST /dispatches`: every workflow that wants the `event_type`, at the default branch's head. */
function repositoryDispatchContext(deliveryId: string, payload: unknown): ContextResult {
  const parsed = readPayload(RepositoryDispatchEvent, payload, "repository_dispatch");
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  const ref = `refs/heads/${event.repository.default_branch}`;
  return ok({ ...refEventContext(deliveryId, "repository_dispatch", { ...event, ref }), action: event.action });
}

/**
 * A release runs at its tag's commit (`github.ref` = `refs/tags/<tag>`). GitHub starts no
 * workflow for a draft's `created`, `edited` or `deleted`: a draft has no tag yet.
 */
function releaseContext(deliveryId: string, payload: unknown): ContextResult {
  const parsed = readPayload(ReleaseEvent, payload, "release");
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  if (event.release.draft && ["created", "edited", "deleted"].includes(event.action))
    return fail(`release ${event.action} of a draft starts no run`);
  const ref = `refs/tags/${event.release.tag_name}`;
  return ok({ ...refEventContext(deliveryId, "release", { ...event, ref }), action: event.action });
}

/** Another run requested or completed: at the default branch's head; `branches` filter the triggering run's branch. */
function workflowRunContext(deliveryId: string, payload: unknown): ContextResult {
  const parsed = readPayload(WorkflowRunEvent, payload, "workflow_run");
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  const ref = `refs/heads/${event.repository.default_branch}`;
  return ok({
    ...refEventContext(deliveryId, "workflow_run", { ...event, ref }),
    action: event.action,
    triggeringWorkflow: event.workflow_run.name,
    filterRef: { kind: "branch", name: event.workflow_run.head_branch ?? "" },
  });
}
