/**
 * Commit statuses (one per workflow run and namespace, for branch protection): create, list,
 * and the combined status.
 */
import { error, json, nodeId, nowIso, paginate, type Reply } from "./http.ts";
import { botUser } from "./objects.ts";
import { resolveCommit } from "./repo-git.ts";
import type { RepoContext, Route } from "./route.ts";
import type { StatusRecord } from "./types.ts";

const DOCS = "https://docs.github.com/rest/commits/statuses";

export function statusRoutes(): Route[] {
  let nextStatusId = 20_000_000_000;
  return [
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/statuses/{sha}",
      auth: "repo",
      permissions: [["statuses", "write"]],
      handle: (ctx) => createStatus(ctx, ++nextStatusId),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}/statuses",
      auth: "repo",
      permissions: [["statuses", "read"]],
      handle: listStatuses,
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}/status",
      auth: "repo",
      permissions: [["statuses", "read"]],
      handle: combinedStatus,
    },
  ];
}

async function createStatus(ctx: RepoContext, id: number): Promise<Reply> {
  const body = ctx.body ?? {};
  const sha = ctx.params.sha ?? "";
  const commit = /^[0-9a-f]{40}$/i.test(sha) ? await resolveCommit(ctx.repo.gitDir, sha) : undefined;
  if (!commit) return error(422, `No commit found for SHA: ${sha}`, DOCS);
  const now = nowIso();
  const status = {
    url: `${ctx.site.apiUrl}/repos/${ctx.repo.fullName}/statuses/${commit}`,
    avatar_url: `${ctx.site.url}/avatars/u/${ctx.site.app.id}?v=4`,
    id,
    node_id: nodeId("StatusContext", id),
    state: String(body.state),
    description: (body.description as string | undefined) ?? null,
    target_url: (body.target_url as string | undefined) ?? null,
    context: (body.context as string | undefined) ?? "default",
    created_at: now,
    updated_at: now,
    creator: botUser(ctx.site),
  };
  const record: StatusRecord = { repo: ctx.repo.fullName, sha: commit, request: structuredClone(body), status };
  ctx.state.statuses.push(record);
  ctx.state.changed();
  return json(201, status, { location: status.url });
}

async function statusesFor(ctx: RepoContext): Promise<{ sha: string; statuses: StatusRecord["status"][] } | undefined> {
  const sha = await resolveCommit(ctx.repo.gitDir, ctx.params.ref ?? "");
  if (!sha) return undefined;
  const statuses = ctx.state.statuses.filter((s) => s.repo === ctx.repo.fullName && s.sha === sha).map((s) => s.status);
  return { sha, statuses: statuses.reverse() };
}

async function listStatuses(ctx: RepoContext): Promise<Reply> {
  const found = await statusesFor(ctx);
  if (!found) return error(404, `No commit found for SHA: ${ctx.params.ref}`, DOCS);
  const { page, headers } = paginate(found.statuses, ctx.url);
  return json(200, page, headers);
}

/** GitHub's rule: any error/failure → failure, else any pending (or none) → pending, else success. */
async function combinedStatus(ctx: RepoContext): Promise<Reply> {
  const found = await statusesFor(ctx);
  if (!found) return error(404, `No commit found for SHA: ${ctx.params.ref}`, DOCS);
  const latest = found.statuses.filter((s, i, all) => all.findIndex((o) => o.context === s.context) === i);
  const states = latest.map((s) => s.state);
  const state = states.some((s) => s === "error" || s === "failure")
    ? "failure"
    : states.length === 0 || states.includes("pending")
      ? "pending"
      : "success";
  const { default_branch: _branch, ...repository } = ctx.repo.rest;
  return json(200, {
    state,
    statuses: latest,
    sha: found.sha,
    total_count: latest.length,
    repository,
    commit_url: `${ctx.site.apiUrl}/repos/${ctx.repo.fullName}/commits/${found.sha}`,
    url: `${ctx.site.apiUrl}/repos/${ctx.repo.fullName}/commits/${found.sha}/status`,
  });
}
