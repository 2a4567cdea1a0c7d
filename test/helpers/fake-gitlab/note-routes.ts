/**
 * Merge request notes (comments) and award emoji on them: list (GitLab's default order is
 * newest first: `order_by=created_at&sort=desc`), create (as the bot), edit (only by the
 * author, as GitLab: 403 otherwise), and award an emoji on a note — once per user and name;
 * the second time GitLab answers 404 "Award Emoji Name has already been taken".
 */
import { json, message, notFound, nowIso, paginate, str, type Reply } from "./http.ts";
import { findMergeRequest } from "./merge-requests.ts";
import { noteObject, userBasic } from "./objects.ts";
import type { Route, RouteContext } from "./router.ts";
import type { GitLabState, MergeRequestEntry } from "./state.ts";
import type { NoteRecord } from "./types.ts";

export function recordNote(
  state: GitLabState,
  mr: MergeRequestEntry,
  author: string,
  body: string,
  system = false,
): NoteRecord {
  const now = nowIso();
  const note: NoteRecord = {
    id: state.nextId("note"),
    projectId: mr.target.project.id,
    iid: mr.iid,
    author: state.user(author).username,
    body,
    system,
    createdAt: now,
    updatedAt: now,
  };
  state.notes.push(note);
  return note;
}

function listNotes(ctx: RouteContext, mr: MergeRequestEntry): Reply {
  const orderBy = str(ctx.params.order_by) === "updated_at" ? "updatedAt" : "createdAt";
  const direction = str(ctx.params.sort) === "asc" ? 1 : -1;
  const notes = ctx.state.notes
    .filter((n) => n.projectId === mr.target.project.id && n.iid === mr.iid)
    .sort((a, b) => direction * (a[orderBy].localeCompare(b[orderBy]) || a.id - b.id));
  const page = paginate(notes, ctx.url);
  return { ...page, body: page.body.map((n) => noteObject(ctx.state, n, mr)) };
}

function findNote(ctx: RouteContext, mr: MergeRequestEntry): NoteRecord | undefined {
  const id = Number(ctx.path.note_id);
  return ctx.state.notes.find((n) => n.id === id && n.projectId === mr.target.project.id && n.iid === mr.iid);
}

/** Wraps a handler that needs the MR (and answers GitLab's 404 when there is none). */
const withMr =
  (handle: (ctx: RouteContext, mr: MergeRequestEntry) => Reply) =>
  (ctx: RouteContext): Reply => {
    const mr = findMergeRequest(ctx);
    return mr ? handle(ctx, mr) : notFound("Merge Request");
  };

export function noteRoutes(): Route[] {
  const base = "/projects/:id/merge_requests/:merge_request_iid/notes";
  return [
    { method: "GET", template: base, handle: withMr(listNotes) },
    {
      method: "GET",
      template: `${base}/:note_id`,
      handle: withMr((ctx, mr) => {
        const note = findNote(ctx, mr);
        return note ? json(200, noteObject(ctx.state, note, mr)) : notFound("Note");
      }),
    },
    {
      method: "POST",
      template: base,
      handle: withMr((ctx, mr) => {
        const body = str(ctx.params.body);
        if (!body) return json(400, { error: "body is missing" });
        return json(201, noteObject(ctx.state, recordNote(ctx.state, mr, ctx.state.botUser.username, body), mr));
      }),
    },
    {
      method: "PUT",
      template: `${base}/:note_id`,
      handle: withMr((ctx, mr) => {
        const note = findNote(ctx, mr);
        if (!note) return notFound("Note");
        if (note.author.toLowerCase() !== ctx.state.botUser.username.toLowerCase())
          return message(403, "403 Forbidden");
        const body = str(ctx.params.body);
        if (body === undefined) return json(400, { error: "body is missing" });
        note.body = body;
        note.updatedAt = nowIso();
        return json(200, noteObject(ctx.state, note, mr));
      }),
    },
    {
      method: "POST",
      template: `${base}/:note_id/award_emoji`,
      handle: withMr((ctx, mr) => {
        const note = findNote(ctx, mr);
        if (!note) return notFound("Note");
        const name = str(ctx.params.name);
        if (!name) return json(400, { error: "name is missing" });
        const user = ctx.state.botUser.username;
        const taken = ctx.state.awards.some((a) => a.noteId === note.id && a.name === name && a.user === user);
        if (taken) return notFound("Award Emoji Name has already been taken");
        const award = {
          id: ctx.state.nextId("award"),
          projectId: note.projectId,
          iid: note.iid,
          noteId: note.id,
          name,
          user,
          createdAt: nowIso(),
        };
        ctx.state.awards.push(award);
        return json(201, awardObject(ctx.state, award));
      }),
    },
    {
      method: "GET",
      template: `${base}/:note_id/award_emoji`,
      handle: withMr((ctx, mr) => {
        const note = findNote(ctx, mr);
        if (!note) return notFound("Note");
        const page = paginate(
          ctx.state.awards.filter((a) => a.noteId === note.id),
          ctx.url,
        );
        return { ...page, body: page.body.map((a) => awardObject(ctx.state, a)) };
      }),
    },
  ];
}

function awardObject(state: GitLabState, award: GitLabState["awards"][number]) {
  return {
    id: award.id,
    name: award.name,
    user: userBasic(state, state.user(award.user)),
    created_at: award.createdAt,
    updated_at: award.createdAt,
    awardable_id: award.noteId,
    awardable_type: "Note",
  };
}
