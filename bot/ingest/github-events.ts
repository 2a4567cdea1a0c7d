/**
 * Which GitHub deliveries are worth storing: the events the planner turns into runs
 * (`githubRunContext` in bot/forges/github/event-context.ts), each checked against the schema
 * of the fields it reads. Every other event is ignored at the door, and a run event the
 * planner could not read is refused, so neither reaches JetStream.
 */
import type { z } from "zod";
import { PullRequestEvent, PushEvent, WorkflowDispatchEvent } from "../forges/github/schema.ts";

const RUN_EVENTS = {
  push: PushEvent,
  pull_request: PullRequestEvent,
  workflow_dispatch: WorkflowDispatchEvent,
} satisfies Record<string, z.ZodTypeAny>;

export type EventCheck = { store: true } | { ignored: string } | { refused: string; field: string };

export function checkGitHubEvent(name: string, payload: Record<string, unknown>): EventCheck {
  // Own keys only: an event named `constructor` is just another event we do not handle.
  if (!Object.hasOwn(RUN_EVENTS, name)) return { ignored: `Flotilla starts no run on ${name} events` };
  const parsed = RUN_EVENTS[name as keyof typeof RUN_EVENTS].safeParse(payload);
  if (parsed.success) return { store: true };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.join(".");
  const missing = issue.code === "invalid_type" && issue.received === "undefined";
  return { field, refused: missing ? `${name} payload lacks ${field}` : `${name} payload: ${field}: ${issue.message}` };
}
