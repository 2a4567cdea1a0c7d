/**
 * Which GitLab deliveries are worth storing, checked against the schema of what their reader
 * reads: Push Hook, Tag Push Hook and Merge Request Hook (the planner: event-context.ts) and a
 * new note on a merge request (the commands: steer-event.ts). Another hook GitLab may send when
 * more events are ticked is refused with 400 (the project's webhook should not send it); a known
 * hook that starts nothing (a closed MR, a note on an issue) is answered 200 and not stored.
 */
import type { z } from "zod";
import type { DeliveryCheck } from "../../ingest/answer-delivery.ts";
import { MergeRequestHook, NoteHook, PushHook } from "./schema.ts";

const SCHEMAS: Record<string, z.ZodTypeAny> = {
  "Push Hook": PushHook,
  "Tag Push Hook": PushHook,
  "Merge Request Hook": MergeRequestHook,
  "Note Hook": NoteHook,
};

/** Merge request actions that can start runs: opened, reopened, or new commits pushed. */
export const RUN_ACTIONS: ReadonlySet<string> = new Set(["open", "reopen", "update"]);

export function checkGitLabEvent(name: string, payload: Record<string, unknown>): DeliveryCheck {
  if (!Object.hasOwn(SCHEMAS, name))
    return { refused: `Flotilla takes Push, Tag Push, Merge Request and Comments (Note) hooks, not ${name}` };
  const parsed = SCHEMAS[name]!.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".");
    const missing = issue.code === "invalid_type" && issue.received === "undefined";
    return {
      field,
      refused: missing ? `${name} payload lacks ${field}` : `${name} payload: ${field}: ${issue.message}`,
    };
  }
  if (name === "Merge Request Hook") {
    const { action, oldrev } = (parsed.data as z.infer<typeof MergeRequestHook>).object_attributes;
    if (!action || !RUN_ACTIONS.has(action)) return { ignored: `merge request ${action ?? "event"} starts nothing` };
    if (action === "update" && !oldrev) return { ignored: "merge request update without new commits starts nothing" };
  }
  if (name === "Note Hook") {
    const note = (parsed.data as z.infer<typeof NoteHook>).object_attributes;
    if (note.noteable_type !== "MergeRequest")
      return { ignored: `a note on a ${note.noteable_type} steers nothing: only notes on merge requests do` };
    if (note.system) return { ignored: "a system note steers nothing" };
    if (note.action && note.action !== "create") return { ignored: `note ${note.action}: only a new note steers` };
  }
  return { store: true };
}
