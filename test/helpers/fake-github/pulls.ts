/**
 * Pull requests, as GitHub keeps them in the base repository: opening one (or pushing to its
 * head) fetches the head commit — from a fork's repository too, installed or not, private or
 * not — into the base as `refs/pull/N/head`, and makes the test merge of that head into the
 * base branch with the real git (`git merge-tree`, then a two-parent commit, as GitHub's
 * "Merge <head> into <base>") as `refs/pull/N/merge`. A head that does not merge cleanly
 * leaves no merge ref and `mergeable: false`, as on GitHub.
 *
 * `GET /repos/{owner}/{repo}/pulls/{pull_number}` answers with that state; `pendingReads`
 * makes its first answers say `mergeable: null`, as GitHub does while it is still merging.
 */
import { execa } from "execa";
import { error, json, nowIso, nodeId, type Reply } from "./http.ts";
import type { Site } from "./objects.ts";
import { fetchRef, resolveCommit } from "./repo-git.ts";
import type { RepoContext, Route } from "./route.ts";
import type { FakeState } from "./state.ts";
import type { FakeRepository, JsonObject, RepoEntry } from "./types.ts";

/** What a test says about the pull request it opens (see `FakeGitHub.openPullRequest`). */
export interface OpenPullRequestOptions {
  number: number;
  /** The head commit: in `headDir` when that is given, else in the base repository itself. */
  headSha: string;
  /** The head branch's name (in the fork, or in the base for a branch of its own). */
  headRef: string;
  /**
   * The fork the head comes from, added with `addRepository` — under another installation or
   * none the app can read, and private, for a fork the app cannot see. The base when omitted.
   */
  headRepo?: FakeRepository;
  /** The work tree holding `headSha` (the fork's); the base's own when omitted. */
  headDir?: string;
  /** The branch it merges into; the base's default branch when omitted. */
  baseRef?: string;
  /** How many `GET /pulls/{n}` answers say `mergeable: null` before the real one (default 0). */
  pendingReads?: number;
}

/** What opening it made: the SHAs a test puts in its webhook payload and checks jobs against. */
export interface FakePullRequest {
  number: number;
  headSha: string;
  /** The base branch's commit the test merge was made on. */
  baseSha: string;
  mergeable: boolean;
  /** The commit of `refs/pull/N/merge`: parents the base commit, then the head; null on conflicts. */
  mergeCommitSha: string | null;
}

/** The fake's record of one pull request, in `FakeState.pulls` under `pullKey`. */
export interface PullRequestRecord extends FakePullRequest {
  id: number;
  /** Full names of the base and head repositories. */
  base: string;
  head: string;
  baseRef: string;
  headRef: string;
  pendingReads: number;
  createdAt: string;
  updatedAt: string;
}

function pullKey(baseFullName: string, number: number): string {
  return `${baseFullName.toLowerCase()}#${number}`;
}

/** GitHub's test merges are committed by GitHub, whoever opened the pull request. */
const GITHUB_IDENTITY = {
  GIT_AUTHOR_NAME: "GitHub",
  GIT_AUTHOR_EMAIL: "noreply@github.com",
  GIT_COMMITTER_NAME: "GitHub",
  GIT_COMMITTER_EMAIL: "noreply@github.com",
};

/**
 * Opens the pull request in `base` — or, for a number already open, moves it to a new head
 * (a push to it: `synchronize`) — and records it in `state`.
 */
export async function openPullRequest(
  state: FakeState,
  base: RepoEntry,
  opts: OpenPullRequestOptions,
): Promise<FakePullRequest> {
  const { number, headSha } = opts;
  const baseRef = opts.baseRef ?? base.rest.default_branch;
  const head = opts.headRepo?.full_name ?? base.fullName;
  await fetchRef(base.gitDir, opts.headDir ?? base.dir, headSha, `refs/pull/${number}/head`);
  const baseSha = await resolveCommit(base.gitDir, `refs/heads/${baseRef}`);
  if (!baseSha) throw new Error(`fake GitHub: ${base.fullName} has no branch ${baseRef}`);
  const git = (args: string[]) =>
    execa("git", ["--git-dir", base.gitDir, ...args], { reject: false, env: GITHUB_IDENTITY });
  if ((await git(["merge-base", baseSha, headSha])).exitCode !== 0)
    throw new Error(
      `fake GitHub: ${head}@${headSha.slice(0, 7)} shares no history with ${base.fullName}:${baseRef}, and GitHub opens no pull request between unrelated histories (make the fork with cloneRepo)`,
    );
  const merged = await git(["merge-tree", "--write-tree", "--no-messages", baseSha, headSha]);
  let mergeCommitSha: string | null = null;
  if (merged.exitCode === 0) {
    const tree = merged.stdout.split("\n")[0] ?? "";
    const message = `Merge ${headSha} into ${baseSha}`;
    const commit = await git(["commit-tree", tree, "-p", baseSha, "-p", headSha, "-m", message]);
    if (commit.exitCode !== 0) throw new Error(`fake GitHub: git commit-tree failed: ${commit.stderr}`);
    mergeCommitSha = commit.stdout.trim();
    await git(["update-ref", `refs/pull/${number}/merge`, mergeCommitSha]);
  } else if (merged.exitCode === 1) {
    await git(["update-ref", "-d", `refs/pull/${number}/merge`]);
  } else {
    throw new Error(`fake GitHub: git merge-tree failed: ${merged.stderr}`);
  }

  const key = pullKey(base.fullName, number);
  const now = nowIso();
  const previous = state.pulls.get(key);
  const record: PullRequestRecord = {
    id: previous?.id ?? 900_000_000 + state.pulls.size + 1,
    number,
    base: base.fullName,
    head,
    baseRef,
    headRef: opts.headRef,
    headSha,
    baseSha,
    mergeable: mergeCommitSha !== null,
    mergeCommitSha,
    pendingReads: opts.pendingReads ?? 0,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
  state.pulls.set(key, record);
  state.changed();
  return { number, headSha, baseSha, mergeable: record.mergeable, mergeCommitSha };
}

export function pullRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/pulls/{pull_number}",
      auth: "repo",
      permissions: [["pull_requests", "read"]],
      handle: getPullRequest,
    },
  ];
}

function getPullRequest(ctx: RepoContext): Reply {
  const record = /^\d+$/.test(ctx.params.pull_number ?? "")
    ? ctx.state.pulls.get(pullKey(ctx.repo.fullName, Number(ctx.params.pull_number)))
    : undefined;
  if (!record) return error(404, "Not Found", "https://docs.github.com/rest/pulls/pulls#get-a-pull-request");
  const computing = record.pendingReads > 0;
  if (computing) {
    record.pendingReads--;
    ctx.state.changed();
  }
  const head = ctx.state.repos.get(record.head.toLowerCase()) ?? ctx.repo;
  return json(200, pullRequestObject(ctx.site, ctx.repo, head, record, computing));
}

/** GitHub's `pull-request` object, every required field filled. */
function pullRequestObject(
  site: Site,
  base: RepoEntry,
  head: RepoEntry,
  record: PullRequestRecord,
  computing: boolean,
): JsonObject {
  const api = `${site.apiUrl}/repos/${base.fullName}`;
  const html = `${site.url}/${base.fullName}/pull/${record.number}`;
  const link = (href: string) => ({ href });
  const user = head.rest.owner;
  return {
    url: `${api}/pulls/${record.number}`,
    id: record.id,
    node_id: nodeId("PullRequest", record.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${record.number}`,
    commits_url: `${api}/pulls/${record.number}/commits`,
    review_comments_url: `${api}/pulls/${record.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${record.number}/comments`,
    statuses_url: `${api}/statuses/${record.headSha}`,
    number: record.number,
    state: "open",
    locked: false,
    title: `Pull request #${record.number}`,
    user,
    body: null,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    closed_at: null,
    merged_at: null,
    merge_commit_sha: computing ? null : record.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${head.owner}:${record.headRef}`,
      ref: record.headRef,
      repo: head.rest,
      sha: record.headSha,
      user,
    },
    base: {
      label: `${base.owner}:${record.baseRef}`,
      ref: record.baseRef,
      repo: base.rest,
      sha: record.baseSha,
      user: base.rest.owner,
    },
    _links: {
      comments: link(`${api}/issues/${record.number}/comments`),
      commits: link(`${api}/pulls/${record.number}/commits`),
      statuses: link(`${api}/statuses/${record.headSha}`),
      html: link(html),
      issue: link(`${api}/issues/${record.number}`),
      review_comments: link(`${api}/pulls/${record.number}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      self: link(`${api}/pulls/${record.number}`),
    },
    author_association: head.fullName === base.fullName ? "MEMBER" : "CONTRIBUTOR",
    auto_merge: null,
    draft: false,
    merged: false,
    mergeable: computing ? null : record.mergeable,
    rebaseable: computing ? null : record.mergeable,
    mergeable_state: computing ? "unknown" : record.mergeable ? "clean" : "dirty",
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}
