/**
 * Which `on:` events start runs in Flotilla, in one place: the webhook intake, the planner and
 * `flotilla validate` all say the same of an event that does not.
 */

/** Events that start runs (`workflow_call` starts one only from a caller). */
export const TRIGGERING_EVENTS: readonly string[] = [
  "push",
  "pull_request",
  "workflow_dispatch",
  "schedule",
  "repository_dispatch",
  "release",
  "workflow_run",
  "workflow_call",
];

export function triggers(event: string): boolean {
  return TRIGGERING_EVENTS.includes(event);
}

export function notTriggering(event: string): string {
  return `\`${event}\` does not trigger workflows in Flotilla`;
}
