/**
 * A GitLab note on a merge request (GitLab's own Note Hook example) as the comment SteerEvent
 * the commands read: which merge request (its iid, as users see `!1`), which note (to react to),
 * who wrote it and what. The bot's own notes steer nothing, whatever the case of its username,
 * so a bot reply quoting a command never runs it; notes that are not new ones on a merge request
 * steer nothing either.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gitlabSteerEvent } from "../../../../bot/forges/gitlab/steer-event.ts";

type Json = Record<string, unknown>;

function noteHook(attrs: Json = {}, user?: string): Json {
  const payload = JSON.parse(
    readFileSync(new URL("../../../fixtures/gitlab/note-hook-merge-request.json", import.meta.url), "utf8"),
  ) as Json;
  payload.object_attributes = { ...(payload.object_attributes as Json), ...attrs };
  if (user) payload.user = { ...(payload.user as Json), username: user };
  return payload;
}

let asked = 0;
const bot = async () => {
  asked++;
  return "Flotilla-Bot";
};
const steer = (payload: Json, name = "Note Hook") => gitlabSteerEvent("gitlab.example.com", bot, "d-1", name, payload);

describe("gitlabSteerEvent", () => {
  it("a new note on a merge request is a comment on that merge request", async () => {
    expect(await steer(noteHook({ note: "/flotilla retry" }))).toEqual({
      ok: true,
      value: {
        forge: "gitlab",
        deliveryId: "d-1",
        repo: {
          owner: "gitlab.example.com/gitlab-org",
          name: "gitlab-test",
          fullName: "gitlab.example.com/gitlab-org/gitlab-test",
        },
        sender: "root",
        kind: "comment",
        pullNumber: 1,
        commentId: 1244,
        body: "/flotilla retry",
      },
    });
  });

  it("the bot's own note steers nothing, its username compared case-insensitively", async () => {
    expect(await steer(noteHook({ note: "/flotilla retry" }, "flotilla-bot"))).toEqual({
      ok: false,
      reason: "the bot's own note",
    });
    expect(await steer(noteHook({}, "FLOTILLA-BOT"))).toEqual({ ok: false, reason: "the bot's own note" });
    // Someone whose name merely contains the bot's still steers.
    expect(await steer(noteHook({}, "flotilla-bot-fan"))).toMatchObject({
      ok: true,
      value: { sender: "flotilla-bot-fan" },
    });
  });

  it("other hooks, system notes, edits and notes elsewhere steer nothing, without asking who the bot is", async () => {
    asked = 0;
    expect(await steer(noteHook(), "Push Hook")).toEqual({ ok: false, reason: "Push Hook steers nothing" });
    expect(await steer(noteHook({ system: true }))).toEqual({ ok: false, reason: "a system note steers nothing" });
    expect(await steer(noteHook({ action: "update" }))).toEqual({
      ok: false,
      reason: "note update: only a new note steers",
    });
    const onIssue = noteHook({ noteable_type: "Issue" });
    delete onIssue.merge_request;
    expect(await steer(onIssue)).toEqual({ ok: false, reason: "a note on a Issue steers nothing" });
    expect(asked).toBe(0);
  });
});
