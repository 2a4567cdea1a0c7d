/**
 * Pull request comments (GitHub files them as issue comments): create, list (paginated, oldest
 * first), edit, and reactions on them. Comments the app writes are by its bot account; a test
 * adds someone else's with `addComment` (server.ts), the comment a webhook then points at.
 * GitHub's rules the product could trip on: a reaction or an edit of a comment that does not
 * exist is 404, and the same reaction by the same user twice is answered 200 with the first
 * one rather than making a second.
 */
import { json, nodeId, notFound, nowIso, paginate, type Reply } from "./http.ts";
import { botUser, type Site } from "./objects.ts";
import type { RepoContext, Route } from "./route.ts";
import type { FakeState } from "./state.ts";
import type { CommentRecord, ReactionRecord, RepoEntry } from "./types.ts";

const FIRST_COMMENT_ID = 2_000_000_000;
const FIRST_REACTION_ID = 300_000_000;

const write: [string, "write"][] = [
  ["issues", "write"],
  ["pull_requests", "write"],
];
const read: [string, "read"][] = [
  ["issues", "read"],
  ["pull_requests", "read"],
];

export function commentRoutes(): Route[] {
  return [
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      auth: "repo",
      permissions: write,
      handle: (ctx) => {
        const record = recordComment(ctx.site, ctx.state, ctx.repo, {
          issueNumber: Number(ctx.params.issue_number),
          user: botUser(ctx.site),
          body: String(ctx.body?.body),
        });
        return json(201, record.comment, { location: String(record.comment.url) });
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      auth: "repo",
      permissions: read,
      handle: (ctx) => {
        const comments = ctx.state.comments
          .filter((c) => c.repo === ctx.repo.fullName && c.issueNumber === Number(ctx.params.issue_number))
          .map((c) => c.comment);
        const { page, headers } = paginate(comments, ctx.url);
        return json(200, page, headers);
      },
    },
    {
      method: "PATCH",
      template: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
      auth: "repo",
      permissions: write,
      handle: (ctx) =>
        withComment(ctx, (record) => {
          const body = String(ctx.body?.body);
          const at = nowIso();
          Object.assign(record.comment, { body, updated_at: at });
          record.history.push({ method: "PATCH", body, by: botUser(ctx.site).login, at });
          ctx.state.changed();
          return json(200, record.comment);
        }),
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
      auth: "repo",
      permissions: write,
      handle: (ctx) => withComment(ctx, (record) => react(ctx, record)),
    },
  ];
}

/** Stores a new comment on `issueNumber` by `user` and returns its record. */
export function recordComment(
  site: Site,
  state: FakeState,
  repo: RepoEntry,
  input: { issueNumber: number; user: CommentRecord["comment"]["user"]; body: string },
): CommentRecord {
  const id = FIRST_COMMENT_ID + state.comments.length + 1;
  const now = nowIso();
  const api = `${site.apiUrl}/repos/${repo.fullName}`;
  const comment: CommentRecord["comment"] = {
    id,
    node_id: nodeId("IssueComment", id),
    url: `${api}/issues/comments/${id}`,
    html_url: `${site.url}/${repo.fullName}/pull/${input.issueNumber}#issuecomment-${id}`,
    issue_url: `${api}/issues/${input.issueNumber}`,
    body: input.body,
    user: input.user,
    created_at: now,
    updated_at: now,
    author_association: "NONE",
    performed_via_github_app: null,
  };
  const record: CommentRecord = {
    repo: repo.fullName,
    issueNumber: input.issueNumber,
    comment,
    history: [{ method: "POST", body: input.body, by: input.user.login, at: now }],
  };
  state.comments.push(record);
  state.changed();
  return record;
}

function react(ctx: RepoContext, record: CommentRecord): Reply {
  const user = botUser(ctx.site);
  const content = String(ctx.body?.content);
  const at = nowIso();
  const earlier = ctx.state.reactions.findIndex(
    (r) => r.repo === record.repo && r.commentId === record.comment.id && r.content === content && r.by === user.login,
  );
  const status = earlier === -1 ? 201 : 200;
  const id = FIRST_REACTION_ID + (earlier === -1 ? ctx.state.reactions.length : earlier) + 1;
  const reaction: ReactionRecord = {
    repo: record.repo,
    commentId: record.comment.id,
    content,
    by: user.login,
    status,
    at,
  };
  ctx.state.reactions.push(reaction);
  ctx.state.changed();
  return json(status, { id, node_id: nodeId("Reaction", id), user, content, created_at: at });
}

function withComment(ctx: RepoContext, fn: (record: CommentRecord) => Reply): Reply {
  const id = Number(ctx.params.comment_id);
  const record = ctx.state.comments.find((c) => c.comment.id === id && c.repo === ctx.repo.fullName);
  return record ? fn(record) : notFound();
}
