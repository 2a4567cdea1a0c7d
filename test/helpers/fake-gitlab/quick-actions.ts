/**
 * GitLab's quick actions for merge requests (docs.gitlab.com/user/project/quick_actions, names
 * and aliases). GitLab carries out a line of its own that begins with one and takes the line out
 * of the note; a note of nothing else is not created at all, so no Note Hook is sent. The fake
 * does the same, so a suite shows which of Flotilla's commands reach the bot beside them.
 */
const MERGE_REQUEST_QUICK_ACTIONS = new Set([
  "approve",
  "assign",
  "assign_reviewer",
  "award",
  "cc",
  "close",
  "copy_metadata",
  "done",
  "draft",
  "estimate",
  "estimate_time",
  "label",
  "lock",
  "merge",
  "milestone",
  "page",
  "react",
  "ready",
  "rebase",
  "reassign",
  "reassign_reviewer",
  "relabel",
  "remove_estimate",
  "remove_label",
  "remove_milestone",
  "remove_reviewer",
  "remove_time_estimate",
  "remove_time_spent",
  "reopen",
  "request_review",
  "reviewer",
  "shrug",
  "spend",
  "spend_time",
  "submit_review",
  "subscribe",
  "tableflip",
  "target_branch",
  "title",
  "todo",
  "unapprove",
  "unassign",
  "unassign_reviewer",
  "unlabel",
  "unlock",
  "unsubscribe",
]);

/** The note as GitLab stores and sends it: its quick-action lines carried out and taken out. */
export function withoutQuickActions(body: string): string {
  return body
    .split("\n")
    .filter((line) => !MERGE_REQUEST_QUICK_ACTIONS.has(/^\/([a-z_]+)(?:\s|$)/.exec(line)?.[1] ?? ""))
    .join("\n")
    .trim();
}
