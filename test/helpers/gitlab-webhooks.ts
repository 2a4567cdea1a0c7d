/**
 * GitLab webhook deliveries for tests: each builder starts from GitLab's documented example
 * (test/fixtures/gitlab/, see its README) and rewrites what names the project, commits, merge
 * request and people so they match a project of the fake GitLab — ids included, when that fake
 * is running at `gitlabUrl` (a user named here is created there, as on first mention).
 * `deliverGitLabHook` POSTs one with the headers GitLab sends (X-Gitlab-Event, X-Gitlab-Token,
 * X-Gitlab-Event-UUID, X-Gitlab-Webhook-UUID, X-Gitlab-Instance, Idempotency-Key, User-Agent).
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fakeAt } from "./fake-gitlab/registry.ts";
import type { FakeGitLabProject } from "./fake-gitlab/types.ts";

type GitLabHookEvent = "Push Hook" | "Tag Push Hook" | "Merge Request Hook" | "Note Hook";

export interface GitLabHook {
  event: GitLabHookEvent;
  payload: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const ZERO_SHA = "0".repeat(40);

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../fixtures/gitlab/${name}`, import.meta.url), "utf8")) as Json;
}

/** The fake's user (created on first mention) or, with no fake at that URL, a stable made-up id. */
function person(gitlabUrl: string, username: string) {
  const fake = fakeAt(gitlabUrl);
  const id = fake
    ? fake.user(username).id
    : 100_000 + [...username].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 99_999, 0);
  return {
    id,
    name: username,
    username,
    avatar_url: `${gitlabUrl}/uploads/-/system/user/avatar/${id}/avatar.png`,
    email: "[REDACTED]",
  };
}

/** The project attributes every hook carries (`project`, MR `source`/`target`). */
function projectAttrs(project: FakeGitLabProject, gitlabUrl: string, withId = true): Json {
  const web = `${gitlabUrl}/${project.path}`;
  const host = new URL(gitlabUrl).host;
  const namespace = project.path.split("/").slice(0, -1).pop() ?? "";
  return {
    ...(withId ? { id: project.id } : {}),
    name: project.path.split("/").pop(),
    description: "",
    web_url: web,
    avatar_url: null,
    git_ssh_url: `git@${host}:${project.path}.git`,
    git_http_url: `${web}.git`,
    namespace,
    visibility_level: project.visibility === "public" ? 20 : 0,
    path_with_namespace: project.path,
    default_branch: project.defaultBranch,
    ci_config_path: null,
    homepage: web,
    url: `git@${host}:${project.path}.git`,
    ssh_url: `git@${host}:${project.path}.git`,
    http_url: `${web}.git`,
  };
}

function repositoryAttrs(project: FakeGitLabProject, gitlabUrl: string): Json {
  const web = `${gitlabUrl}/${project.path}`;
  return {
    name: project.path.split("/").pop(),
    url: `git@${new URL(gitlabUrl).host}:${project.path}.git`,
    description: "",
    homepage: web,
    git_http_url: `${web}.git`,
    git_ssh_url: `git@${new URL(gitlabUrl).host}:${project.path}.git`,
    visibility_level: project.visibility === "public" ? 20 : 0,
  };
}

const git = (dir: string, args: string[]): string => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

/** A commit as hooks show it (`commits[]`, `last_commit`), read from the real repository. */
function commitAttrs(project: FakeGitLabProject, gitlabUrl: string, sha: string, withFiles: boolean): Json {
  const [message = "", timestamp = "", name = "", email = ""] = git(project.dir, [
    "show",
    "-s",
    "--format=%B%x00%aI%x00%an%x00%ae",
    sha,
  ]).split("\0");
  const attrs: Json = {
    id: sha,
    message: message.trim(),
    title: message.trim().split("\n")[0],
    timestamp,
    url: `${gitlabUrl}/${project.path}/-/commit/${sha}`,
    author: { name, email },
  };
  if (!withFiles) return attrs;
  const changes = git(project.dir, ["diff-tree", "--no-commit-id", "--name-status", "-r", "--root", sha])
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"));
  const pick = (status: string) => changes.filter(([s]) => s?.startsWith(status)).map((c) => c[c.length - 1]);
  return { ...attrs, added: pick("A"), modified: pick("M"), removed: pick("D") };
}

export function pushHook(
  project: FakeGitLabProject,
  gitlabUrl: string,
  o: { before: string; after: string; ref?: string; user?: string },
): GitLabHook {
  const payload = fixture("push-hook.json");
  const user = person(gitlabUrl, o.user ?? "alice");
  const deleted = o.after === ZERO_SHA;
  const ref = o.ref ?? `refs/heads/${project.defaultBranch}`;
  // A new branch lists what is not on the default branch yet (all of it for the default branch).
  const range =
    o.before !== ZERO_SHA
      ? [`${o.before}..${o.after}`]
      : ref === `refs/heads/${project.defaultBranch}`
        ? [o.after]
        : [o.after, `^refs/heads/${project.defaultBranch}`];
  const shas = deleted
    ? []
    : git(project.dir, ["rev-list", "--reverse", ...range])
        .split("\n")
        .filter(Boolean);
  Object.assign(payload, {
    before: o.before,
    after: o.after,
    ref,
    ref_protected: ref === `refs/heads/${project.defaultBranch}`,
    checkout_sha: deleted ? null : o.after,
    message: null,
    user_id: user.id,
    user_name: user.name,
    user_username: user.username,
    user_email: user.email,
    user_avatar: user.avatar_url,
    project_id: project.id,
    project: projectAttrs(project, gitlabUrl),
    repository: repositoryAttrs(project, gitlabUrl),
    // GitLab lists the newest 20 and counts them all.
    commits: shas.slice(-20).map((sha) => commitAttrs(project, gitlabUrl, sha, true)),
    total_commits_count: shas.length,
  });
  return { event: "Push Hook", payload };
}

export function tagPushHook(
  project: FakeGitLabProject,
  gitlabUrl: string,
  o: { tag: string; after: string; before?: string; user?: string },
): GitLabHook {
  const payload = fixture("tag-push-hook.json");
  const user = person(gitlabUrl, o.user ?? "alice");
  const deleted = o.after === ZERO_SHA;
  Object.assign(payload, {
    before: o.before ?? ZERO_SHA,
    after: o.after,
    ref: `refs/tags/${o.tag}`,
    ref_protected: false,
    checkout_sha: deleted ? null : git(project.dir, ["rev-parse", `${o.after}^{commit}`]),
    message: null,
    user_id: user.id,
    user_name: user.name,
    user_username: user.username,
    user_email: user.email,
    user_avatar: user.avatar_url,
    project_id: project.id,
    project: projectAttrs(project, gitlabUrl),
    repository: repositoryAttrs(project, gitlabUrl),
    commits: [],
    total_commits_count: 0,
  });
  return { event: "Tag Push Hook", payload };
}

function mergeRequestId(gitlabUrl: string, target: FakeGitLabProject, iid: number): number {
  const fake = fakeAt(gitlabUrl);
  const entry = fake?.projects.get(target.id);
  const mr = entry && fake?.mergeRequest(entry, iid);
  return mr ? mr.id : target.id * 1000 + iid;
}

const STATE_AFTER: Record<string, string> = {
  open: "opened",
  reopen: "opened",
  update: "opened",
  close: "closed",
  merge: "merged",
};

export function mergeRequestHook(
  target: FakeGitLabProject,
  gitlabUrl: string,
  o: {
    iid: number;
    action: "open" | "reopen" | "update" | "close" | "merge";
    source?: FakeGitLabProject;
    sourceBranch: string;
    targetBranch?: string;
    sha: string;
    oldrev?: string;
    author: string;
  },
): GitLabHook {
  const payload = fixture("merge-request-hook.json");
  const source = o.source ?? target;
  const author = person(gitlabUrl, o.author);
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const attrs = { ...(payload.object_attributes as Json) };
  delete attrs.oldrev;
  Object.assign(attrs, {
    id: mergeRequestId(gitlabUrl, target, o.iid),
    iid: o.iid,
    target_branch: o.targetBranch ?? target.defaultBranch,
    source_branch: o.sourceBranch,
    source_project_id: source.id,
    target_project_id: target.id,
    author_id: author.id,
    assignee_ids: [],
    assignee_id: null,
    reviewer_ids: [],
    title: `Merge ${o.sourceBranch}`,
    created_at: now,
    updated_at: now,
    last_edited_at: null,
    last_edited_by_id: null,
    state_id: { open: 1, reopen: 1, update: 1, close: 2, merge: 3 }[o.action],
    state: STATE_AFTER[o.action],
    first_contribution: false,
    merge_status: "can_be_merged",
    description: "",
    prepared_at: now,
    total_time_spent: 0,
    time_change: 0,
    human_total_time_spent: null,
    human_time_change: null,
    human_time_estimate: null,
    url: `${gitlabUrl}/${target.path}/-/merge_requests/${o.iid}`,
    source: projectAttrs(source, gitlabUrl, false),
    target: projectAttrs(target, gitlabUrl, false),
    last_commit: commitAttrs(source, gitlabUrl, o.sha, false),
    labels: [],
    action: o.action,
    detailed_merge_status: "mergeable",
    ...(o.oldrev ? { oldrev: o.oldrev } : {}),
  });
  Object.assign(payload, {
    user: person(gitlabUrl, o.author),
    project: projectAttrs(target, gitlabUrl),
    repository: {
      name: target.path.split("/").pop(),
      url: `${gitlabUrl}/${target.path}.git`,
      description: "",
      homepage: `${gitlabUrl}/${target.path}`,
    },
    object_attributes: attrs,
    labels: [],
    changes: {},
    assignees: [],
    reviewers: [],
  });
  return { event: "Merge Request Hook", payload };
}

export function noteHook(
  target: FakeGitLabProject,
  gitlabUrl: string,
  o: {
    iid: number;
    noteId: number;
    author: string;
    body: string;
    sha: string;
    sourceBranch: string;
    source?: FakeGitLabProject;
  },
): GitLabHook {
  const payload = fixture("note-hook-merge-request.json");
  const source = o.source ?? target;
  const author = person(gitlabUrl, o.author);
  const mrId = mergeRequestId(gitlabUrl, target, o.iid);
  // Note hooks spell times "2015-05-17 18:21:36 UTC".
  const now = `${new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "")} UTC`;
  const attrs = { ...(payload.object_attributes as Json) };
  Object.assign(attrs, {
    id: o.noteId,
    note: o.body,
    noteable_type: "MergeRequest",
    author_id: author.id,
    created_at: now,
    updated_at: now,
    project_id: target.id,
    noteable_id: mrId,
    action: "create",
    url: `${gitlabUrl}/${target.path}/-/merge_requests/${o.iid}#note_${o.noteId}`,
  });
  const mr = { ...(payload.merge_request as Json) };
  Object.assign(mr, {
    id: mrId,
    target_branch: target.defaultBranch,
    source_branch: o.sourceBranch,
    source_project_id: source.id,
    author_id: author.id,
    assignee_id: null,
    title: `Merge ${o.sourceBranch}`,
    created_at: now,
    updated_at: now,
    milestone_id: null,
    state: "opened",
    merge_status: "can_be_merged",
    target_project_id: target.id,
    iid: o.iid,
    description: "",
    labels: [],
    source: projectAttrs(source, gitlabUrl, false),
    target: projectAttrs(target, gitlabUrl, false),
    last_commit: commitAttrs(source, gitlabUrl, o.sha, false),
    assignee: null,
    detailed_merge_status: "mergeable",
  });
  Object.assign(payload, {
    user: author,
    project_id: target.id,
    project: projectAttrs(target, gitlabUrl),
    repository: {
      name: target.path.split("/").pop(),
      url: `${gitlabUrl}/${target.path}.git`,
      description: "",
      homepage: `${gitlabUrl}/${target.path}`,
    },
    object_attributes: attrs,
    merge_request: mr,
  });
  return { event: "Note Hook", payload };
}

/** POSTs `hook` to `hookUrl` as GitLab delivers it; `secret` undefined sends no X-Gitlab-Token. */
export async function deliverGitLabHook(
  hookUrl: string,
  secret: string | undefined,
  hook: GitLabHook,
  options: { uuid?: string; idempotencyKey?: string } = {},
): Promise<{ status: number; body: string }> {
  const project = hook.payload.project as Json | undefined;
  const instance = typeof project?.web_url === "string" ? new URL(project.web_url).origin : "http://127.0.0.1";
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitLab/17.11.0",
    "x-gitlab-event": hook.event,
    "x-gitlab-event-uuid": options.uuid ?? randomUUID(),
    "x-gitlab-webhook-uuid": randomUUID(),
    "x-gitlab-instance": instance,
    "idempotency-key": options.idempotencyKey ?? randomUUID(),
    ...(secret === undefined ? {} : { "x-gitlab-token": secret }),
  };
  const response = await fetch(hookUrl, { method: "POST", headers, body: JSON.stringify(hook.payload) });
  return { status: response.status, body: await response.text() };
}
