/**
 * The repository read API, answered from the real git repository: the tree
 * (`/repository/tree`, paginated), files (`/repository/files/:file_path` as JSON with base64
 * content, or `/raw`), and commits (`/repository/commits/:sha`, a SHA, branch or tag).
 * Unknown refs and paths answer GitLab's 404 messages ("404 Tree Not Found", …).
 */
import { bool, json, message, notFound, paginate, str, type Reply } from "./http.ts";
import { commitInfo, lastCommitFor, listTree, readFile, resolveCommit } from "./repo-git.ts";
import type { Route, RouteContext } from "./router.ts";
import type { GitLabState, ProjectEntry } from "./state.ts";

async function commitJson(state: GitLabState, project: ProjectEntry, sha: string) {
  const info = await commitInfo(project.gitDir, sha);
  if (!info) return undefined;
  const title = info.message.split("\n")[0] ?? "";
  return {
    id: info.id,
    short_id: info.id.slice(0, 8),
    created_at: info.committedDate,
    parent_ids: info.parentIds,
    title,
    message: info.message,
    author_name: info.authorName,
    author_email: info.authorEmail,
    authored_date: info.authoredDate,
    committer_name: info.committerName,
    committer_email: info.committerEmail,
    committed_date: info.committedDate,
    trailers: {},
    extended_trailers: {},
    web_url: `${state.url}/${project.project.path}/-/commit/${info.id}`,
  };
}

async function tree(ctx: RouteContext): Promise<Reply> {
  const ref = str(ctx.params.ref) ?? ctx.project.project.defaultBranch;
  const sha = await resolveCommit(ctx.project.gitDir, ref);
  if (!sha) return notFound("Tree");
  const items = await listTree(ctx.project.gitDir, sha, str(ctx.params.path) ?? "", bool(ctx.params.recursive));
  if (!items) return notFound("Tree");
  return paginate(
    items.map(({ id, name, type, path, mode }) => ({ id, name, type, path, mode })),
    ctx.url,
  );
}

async function file(ctx: RouteContext, raw: boolean): Promise<Reply> {
  const ref = str(ctx.params.ref) ?? (raw ? ctx.project.project.defaultBranch : undefined);
  if (ref === undefined) return message(400, "ref is missing");
  const filePath = ctx.path.file_path ?? "";
  const sha = await resolveCommit(ctx.project.gitDir, ref);
  const found = sha ? await readFile(ctx.project.gitDir, sha, filePath) : undefined;
  if (!sha || !found) return notFound("File");
  if (raw) {
    return { status: 200, raw: found.content, headers: { "content-type": "text/plain; charset=utf-8" } };
  }
  return json(200, {
    file_name: filePath.split("/").pop() ?? filePath,
    file_path: filePath,
    size: found.content.length,
    encoding: "base64",
    content_sha256: "",
    ref,
    blob_id: found.blobId,
    commit_id: sha,
    last_commit_id: (await lastCommitFor(ctx.project.gitDir, sha, filePath)) ?? sha,
    execute_filemode: false,
    content: found.content.toString("base64"),
  });
}

export function repositoryRoutes(): Route[] {
  return [
    { method: "GET", template: "/projects/:id/repository/tree", handle: tree },
    { method: "GET", template: "/projects/:id/repository/files/:file_path/raw", handle: (ctx) => file(ctx, true) },
    { method: "GET", template: "/projects/:id/repository/files/:file_path", handle: (ctx) => file(ctx, false) },
    {
      method: "GET",
      template: "/projects/:id/repository/commits/:sha",
      async handle(ctx) {
        const sha = await resolveCommit(ctx.project.gitDir, ctx.path.sha ?? "");
        const body = sha ? await commitJson(ctx.state, ctx.project, sha) : undefined;
        return body ? json(200, body) : notFound("Commit");
      },
    },
  ];
}
