/**
 * A stored Note Hook as the forge-neutral SteerEvent: a new note on a merge request is a
 * `comment` whose command lines bot/commands/ carries out. The bot's own notes steer nothing;
 * GitLab's hook does not say a user is a bot, so the bot's username (`GET /user`) decides.
 */
import { fail, ok, type Result } from "../../../protocol/result.ts";
import { repoRef } from "../../runs/repo-ref.ts";
import type { SteerEvent } from "../../runs/steer-event.ts";
import { projectName } from "./event-context.ts";
import { NoteHook } from "./schema.ts";

export async function gitlabSteerEvent(
  host: string,
  botUsername: () => Promise<string>,
  deliveryId: string,
  name: string,
  payload: unknown,
): Promise<Result<SteerEvent>> {
  if (name !== "Note Hook") return fail(`${name} steers nothing`);
  const parsed = NoteHook.safeParse(payload);
  if (!parsed.success) return fail(`note hook lacks ${parsed.error.issues[0]?.path.join(".")}`);
  const { user, project, object_attributes: note, merge_request: mr } = parsed.data;
  if (note.noteable_type !== "MergeRequest" || !mr) return fail(`a note on a ${note.noteable_type} steers nothing`);
  if (note.system) return fail("a system note steers nothing");
  if (note.action && note.action !== "create") return fail(`note ${note.action}: only a new note steers`);
  if (user.username.toLowerCase() === (await botUsername()).toLowerCase()) return fail("the bot's own note");
  return ok({
    forge: "gitlab",
    deliveryId,
    repo: repoRef(projectName(host, project.path_with_namespace)),
    sender: user.username,
    kind: "comment",
    pullNumber: mr.iid,
    commentId: note.id,
    body: note.note,
  });
}
