/**
 * Which GitLab deliveries intake stores (checkGitLabEvent), from GitLab's own example hooks: the
 * four hooks Flotilla reads are stored; a hook it does not take is refused (400) naming it, and
 * a payload lacking a field its reader needs is refused naming that field, so the webhook's
 * owner sees what is wrong in GitLab's "Recent events"; a known hook that starts nothing (a
 * closed merge request, a note on an issue or commit, a system note, an edited note) is ignored
 * (200) and never stored.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkGitLabEvent } from "../../../../bot/forges/gitlab/stored-events.ts";

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/gitlab/${name}`, import.meta.url), "utf8")) as Json;
}

function note(attrs: Json, change: (payload: Json) => void = () => {}): Json {
  const payload = fixture("note-hook-merge-request.json");
  payload.object_attributes = { ...(payload.object_attributes as Json), ...attrs };
  change(payload);
  return payload;
}

function mergeRequest(attrs: Json): Json {
  const payload = fixture("merge-request-hook.json");
  payload.object_attributes = { ...(payload.object_attributes as Json), ...attrs };
  return payload;
}

describe("checkGitLabEvent", () => {
  it("stores GitLab's push, merge request and merge request note examples", () => {
    expect(checkGitLabEvent("Push Hook", fixture("push-hook.json"))).toEqual({ store: true });
    expect(checkGitLabEvent("Merge Request Hook", fixture("merge-request-hook.json"))).toEqual({ store: true });
    expect(checkGitLabEvent("Note Hook", fixture("note-hook-merge-request.json"))).toEqual({ store: true });
    expect(checkGitLabEvent("Merge Request Hook", mergeRequest({ action: "update", oldrev: "95790bf891e7" }))).toEqual({
      store: true,
    });
    expect(checkGitLabEvent("Merge Request Hook", mergeRequest({ action: "reopen" }))).toEqual({ store: true });
  });

  it("stores a tag push as GitLab sends it, and its documented example, which lacks user_username", () => {
    const example = fixture("tag-push-hook.json");
    expect(checkGitLabEvent("Tag Push Hook", { ...example, user_username: "jsmith" })).toEqual({ store: true });
    expect(checkGitLabEvent("Tag Push Hook", example)).toEqual({ store: true });
  });

  it("refuses a hook Flotilla does not take, naming it", () => {
    expect(checkGitLabEvent("Pipeline Hook", { object_kind: "pipeline" })).toEqual({
      refused: "Flotilla takes Push, Tag Push, Merge Request and Comments (Note) hooks, not Pipeline Hook",
    });
    // Not fooled by Object.prototype's names.
    expect(checkGitLabEvent("toString", {})).toMatchObject({ refused: expect.stringContaining("not toString") });
  });

  it("refuses a payload lacking a field its reader needs, naming the field", () => {
    const push = fixture("push-hook.json");
    delete push.after;
    expect(checkGitLabEvent("Push Hook", push)).toEqual({ field: "after", refused: "Push Hook payload lacks after" });

    const mr = fixture("merge-request-hook.json");
    delete (mr.object_attributes as Json).last_commit;
    expect(checkGitLabEvent("Merge Request Hook", mr)).toEqual({
      field: "object_attributes.last_commit",
      refused: "Merge Request Hook payload lacks object_attributes.last_commit",
    });

    const project = fixture("note-hook-merge-request.json");
    delete (project.project as Json).path_with_namespace;
    expect(checkGitLabEvent("Note Hook", project)).toEqual({
      field: "project.path_with_namespace",
      refused: "Note Hook payload lacks project.path_with_namespace",
    });

    // Present but of the wrong kind: named too, with what is wrong.
    expect(checkGitLabEvent("Push Hook", { ...fixture("push-hook.json"), ref: 5 })).toEqual({
      field: "ref",
      refused: expect.stringMatching(/^Push Hook payload: ref: /),
    });
  });

  it("ignores merge request events that start nothing", () => {
    expect(checkGitLabEvent("Merge Request Hook", mergeRequest({ action: "close" }))).toEqual({
      ignored: "merge request close starts nothing",
    });
    expect(checkGitLabEvent("Merge Request Hook", mergeRequest({ action: "merge" }))).toEqual({
      ignored: "merge request merge starts nothing",
    });
    expect(checkGitLabEvent("Merge Request Hook", mergeRequest({ action: "update" }))).toEqual({
      ignored: "merge request update without new commits starts nothing",
    });
    expect(checkGitLabEvent("Merge Request Hook", mergeRequest({ action: undefined }))).toEqual({
      ignored: "merge request event starts nothing",
    });
  });

  it("ignores notes on issues and commits, system notes and edited notes", () => {
    const withoutMr = (p: Json) => delete p.merge_request;
    expect(checkGitLabEvent("Note Hook", note({ noteable_type: "Issue" }, withoutMr))).toEqual({
      ignored: "a note on a Issue steers nothing: only notes on merge requests do",
    });
    expect(checkGitLabEvent("Note Hook", note({ noteable_type: "Commit" }, withoutMr))).toEqual({
      ignored: "a note on a Commit steers nothing: only notes on merge requests do",
    });
    expect(checkGitLabEvent("Note Hook", note({ system: true }))).toEqual({ ignored: "a system note steers nothing" });
    expect(checkGitLabEvent("Note Hook", note({ action: "update" }))).toEqual({
      ignored: "note update: only a new note steers",
    });
    // An older GitLab sends no action, and only for new notes: stored.
    expect(checkGitLabEvent("Note Hook", note({ action: undefined }))).toEqual({ store: true });
  });
});
