/**
 * Which GitHub deliveries are worth storing, each checked against the schema of the fields
 * its reader reads: the events the planner turns into runs (`githubRunContext` in
 * bot/forges/github/event-context.ts), and the ones people steer CI with (`githubSteerEvent`
 * in bot/forges/github/steer-event.ts). Every other event is ignored at the door, and an
 * event its reader could not read is refused, so neither reaches JetStream.
 *
 * Of the steering events only the actions that steer are stored: a new comment on a pull
 * request by someone who is not a bot, "Re-run" and a button pressed on a check run, "Re-run
 * all checks" on a check suite. GitHub sends the same events for much else (every check run
 * of every app created and completed, comments on issues, edits, deletions, the bot's own
 * replies), and nothing downstream would act on them, so that choice is made here, once,
 * rather than by storing them all. The steering reader still refuses what it does not act on.
 */
import type { z } from "zod";
import type { DeliveryCheck } from "../../ingest/answer-delivery.ts";
import { notTriggering } from "../../runs/triggering-events.ts";
import {
  CheckRunActionEvent,
  CheckRunEvent,
  CheckSuiteEvent,
  IssueCommentEvent,
  PullRequestEvent,
  PushEvent,
  ReleaseEvent,
  RepositoryDispatchEvent,
  WorkflowDispatchEvent,
} from "./schema.ts";

const RUN_EVENTS = {
  push: PushEvent,
  pull_request: PullRequestEvent,
  workflow_dispatch: WorkflowDispatchEvent,
  repository_dispatch: RepositoryDispatchEvent,
  release: ReleaseEvent,
} satisfies Record<string, z.ZodTypeAny>;

/** `<event>.<action>` of the deliveries that steer. */
const STEER_ACTIONS = {
  "issue_comment.created": IssueCommentEvent,
  "check_run.rerequested": CheckRunEvent,
  "check_run.requested_action": CheckRunActionEvent,
  "check_suite.rerequested": CheckSuiteEvent,
} satisfies Record<string, z.ZodTypeAny>;

const STEER_EVENTS: ReadonlySet<string> = new Set(["issue_comment", "check_run", "check_suite"]);

export function checkGitHubEvent(name: string, payload: Record<string, unknown>): DeliveryCheck {
  // Own keys only: an event named `constructor` is just another event we do not handle.
  const schema = Object.hasOwn(RUN_EVENTS, name)
    ? RUN_EVENTS[name as keyof typeof RUN_EVENTS]
    : steering(name, payload);
  if ("ignored" in schema) return schema;
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { store: true };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join(".");
  const missing = issue.code === "invalid_type" && issue.received === "undefined";
  return { field, refused: missing ? `${name} payload lacks ${field}` : `${name} payload: ${field}: ${issue.message}` };
}

/** The schema of a steering delivery worth storing, or why it is not. */
function steering(name: string, payload: Record<string, unknown>): z.ZodTypeAny | { ignored: string } {
  if (name === "workflow_run")
    return {
      ignored:
        "GitHub's workflow_run is about GitHub Actions' runs: Flotilla's own runs start `workflow_run` workflows",
    };
  if (!STEER_EVENTS.has(name)) return { ignored: notTriggering(name) };
  const action = typeof payload.action === "string" ? payload.action : "(no action)";
  const key = `${name}.${action}`;
  if (!Object.hasOwn(STEER_ACTIONS, key)) return { ignored: `${name} ${action} steers nothing` };
  if (name === "issue_comment") {
    const issue = payload.issue as { pull_request?: unknown } | undefined;
    if (typeof issue === "object" && issue !== null && !issue.pull_request)
      return { ignored: "issue_comment on an issue steers nothing: only comments on pull requests do" };
    if ((payload.sender as { type?: unknown } | undefined)?.type === "Bot")
      return { ignored: "issue_comment by a bot steers nothing" };
  }
  return STEER_ACTIONS[key as keyof typeof STEER_ACTIONS];
}
