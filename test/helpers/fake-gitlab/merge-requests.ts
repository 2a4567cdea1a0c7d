/**
 * Merge requests as GitLab keeps them: per-project iids from 1, the head written into the
 * TARGET project's repository as `refs/merge-requests/<iid>/head` (so a clone of the target can
 * fetch a fork's commits, which is how a CI bot checks a fork MR out), `diff_refs` from the
 * merge base; `GET /merge_requests/:iid`, `/diffs` and a commit's `/merge_requests` answer from them.
 */
import { execa } from "execa";
import { json, notFound, nowIso, paginate, type Reply } from "./http.ts";
import { mergeRequestObject } from "./objects.ts";
import { changedFiles, fetchRef, fileDiff, mergeBase, resolveCommit } from "./repo-git.ts";
import type { Route, RouteContext } from "./router.ts";
import type { GitLabState, MergeRequestEntry, ProjectEntry } from "./state.ts";

async function writeHead(target: ProjectEntry, source: ProjectEntry, sha: string, iid: number): Promise<void> {
  const ref = `refs/merge-requests/${iid}/head`;
  if (source === target) await execa("git", ["--git-dir", target.gitDir, "update-ref", ref, sha]);
  else await fetchRef(target.gitDir, source.gitDir, sha, ref);
}

async function diffRefs(target: ProjectEntry, targetBranch: string, sha: string) {
  const startSha = await resolveCommit(target.gitDir, targetBranch);
  if (!startSha) throw new Error(`fake GitLab: no branch ${targetBranch} in ${target.project.path}`);
  return { startSha, baseSha: (await mergeBase(target.gitDir, startSha, sha)) ?? startSha };
}

async function sourceTip(mr: { source: ProjectEntry; sourceBranch: string }): Promise<string> {
  const sha = await resolveCommit(mr.source.gitDir, mr.sourceBranch);
  if (!sha) throw new Error(`fake GitLab: no branch ${mr.sourceBranch} in ${mr.source.project.path}`);
  return sha;
}

export async function openMergeRequest(
  state: GitLabState,
  target: ProjectEntry,
  source: ProjectEntry,
  options: { sourceBranch: string; targetBranch?: string; author: string; title?: string },
): Promise<MergeRequestEntry> {
  const targetBranch = options.targetBranch ?? target.project.defaultBranch;
  const sha = await sourceTip({ source, sourceBranch: options.sourceBranch });
  const iid = target.nextIid++;
  await writeHead(target, source, sha, iid);
  const now = nowIso();
  const mr: MergeRequestEntry = {
    id: state.nextId("mergeRequest"),
    iid,
    target,
    source,
    sourceBranch: options.sourceBranch,
    targetBranch,
    author: state.user(options.author),
    title: options.title ?? `Merge ${options.sourceBranch} into ${targetBranch}`,
    state: "opened",
    sha,
    ...(await diffRefs(target, targetBranch, sha)),
    createdAt: now,
    updatedAt: now,
  };
  state.mergeRequests.push(mr);
  return mr;
}

export async function updateMergeRequest(mr: MergeRequestEntry): Promise<string> {
  const sha = await sourceTip(mr);
  await writeHead(mr.target, mr.source, sha, mr.iid);
  Object.assign(mr, { sha, ...(await diffRefs(mr.target, mr.targetBranch, sha)), updatedAt: nowIso() });
  return sha;
}

export function findMergeRequest(ctx: RouteContext): MergeRequestEntry | undefined {
  return ctx.state.mergeRequest(ctx.project, Number(ctx.path.merge_request_iid));
}

async function diffs(ctx: RouteContext): Promise<Reply> {
  const mr = findMergeRequest(ctx);
  if (!mr) return notFound("Merge Request");
  const { gitDir } = mr.target;
  const files = await changedFiles(gitDir, mr.baseSha, mr.sha);
  const page = paginate(files, ctx.url);
  const body = await Promise.all(
    page.body.map(async (f) => ({
      old_path: f.oldPath,
      new_path: f.newPath,
      a_mode: f.aMode === "000000" ? "0" : f.aMode,
      b_mode: f.bMode === "000000" ? "0" : f.bMode,
      diff: await fileDiff(gitDir, mr.baseSha, mr.sha, f),
      new_file: f.status === "A",
      renamed_file: f.status.startsWith("R"),
      deleted_file: f.status === "D",
      generated_file: false,
    })),
  );
  return { ...page, body };
}

export function mergeRequestRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/projects/:id/merge_requests/:merge_request_iid",
      handle(ctx) {
        const mr = findMergeRequest(ctx);
        return mr ? json(200, mergeRequestObject(ctx.state, mr)) : notFound("Merge Request");
      },
    },
    { method: "GET", template: "/projects/:id/merge_requests/:merge_request_iid/diffs", handle: diffs },
    {
      // The merge requests whose head is this commit (GitLab lists those the commit belongs to).
      method: "GET",
      template: "/projects/:id/repository/commits/:sha/merge_requests",
      handle(ctx) {
        const sha = String(ctx.path.sha);
        const found = ctx.state.mergeRequests.filter((mr) => mr.target === ctx.project && mr.sha === sha);
        return json(
          200,
          found.map((mr) => mergeRequestObject(ctx.state, mr)),
        );
      },
    },
  ];
}
