/**
 * The JSON GitLab's REST API v4 answers with (its API entities), built from the fake's
 * records: projects, users, members, merge requests, notes, statuses, deploy tokens, awards.
 * Only the fields a bot reads plus the ones that show an object's identity; field names and
 * value shapes as in GitLab's documentation.
 */
import type { GitLabState, MergeRequestEntry, ProjectEntry } from "./state.ts";
import type { DeployTokenRecord, FakeGitLabStatus, GitLabUserRef, NoteRecord } from "./types.ts";
export function userBasic(state: GitLabState, user: GitLabUserRef) {
  return {
    id: user.id,
    username: user.username,
    name: user.username,
    state: "active",
    locked: false,
    avatar_url: `${state.url}/uploads/-/system/user/avatar/${user.id}/avatar.png`,
    web_url: `${state.url}/${user.username}`,
  };
}

export function currentUser(state: GitLabState) {
  return {
    ...userBasic(state, state.botUser),
    name: state.botUser.username,
    bot: true,
    created_at: "2024-01-01T00:00:00.000Z",
    is_admin: false,
  };
}

function namespace(state: GitLabState, path: string) {
  const fullPath = path.split("/").slice(0, -1).join("/");
  const last = fullPath.split("/").pop() ?? fullPath;
  return {
    // A stable id per namespace path: the fake keeps no groups of its own.
    id: 1000 + [...fullPath].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 100_000, 0),
    name: last,
    path: last,
    kind: "group",
    full_path: fullPath,
    parent_id: null,
    web_url: `${state.url}/groups/${fullPath}`,
  };
}

function projectBasic(state: GitLabState, entry: ProjectEntry) {
  const { project } = entry;
  const name = project.path.split("/").pop() ?? project.path;
  const ns = namespace(state, project.path);
  return {
    id: project.id,
    description: null,
    name,
    name_with_namespace: `${ns.full_path.split("/").join(" / ")} / ${name}`,
    path: name,
    path_with_namespace: project.path,
    created_at: entry.createdAt,
    default_branch: project.defaultBranch,
    ssh_url_to_repo: `git@${new URL(state.url).host}:${project.path}.git`,
    http_url_to_repo: `${state.url}/${project.path}.git`,
    web_url: `${state.url}/${project.path}`,
    namespace: ns,
  };
}

export function projectObject(state: GitLabState, entry: ProjectEntry) {
  return {
    ...projectBasic(state, entry),
    visibility: entry.project.visibility,
    archived: false,
    empty_repo: false,
    merge_requests_enabled: true,
    ...(entry.forkOf ? { forked_from_project: projectBasic(state, entry.forkOf) } : {}),
  };
}

export function memberObject(state: GitLabState, user: GitLabUserRef, accessLevel: number) {
  return { ...userBasic(state, user), access_level: accessLevel, expires_at: null, membership_state: "active" };
}

export function mergeRequestObject(state: GitLabState, mr: MergeRequestEntry) {
  const webUrl = `${state.url}/${mr.target.project.path}/-/merge_requests/${mr.iid}`;
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.target.project.id,
    title: mr.title,
    description: "",
    state: mr.state,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    merged_at: null,
    closed_at: mr.state === "closed" ? mr.updatedAt : null,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    source_project_id: mr.source.project.id,
    target_project_id: mr.target.project.id,
    author: userBasic(state, mr.author),
    draft: false,
    work_in_progress: false,
    merge_status: "can_be_merged",
    detailed_merge_status: "mergeable",
    sha: mr.sha,
    merge_commit_sha: null,
    squash_commit_sha: null,
    references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${mr.target.project.path}!${mr.iid}` },
    web_url: webUrl,
    diff_refs: { base_sha: mr.baseSha, head_sha: mr.sha, start_sha: mr.startSha },
    has_conflicts: false,
    blocking_discussions_resolved: true,
  };
}

export function noteObject(state: GitLabState, note: NoteRecord, mr: MergeRequestEntry) {
  return {
    id: note.id,
    type: null,
    body: note.body,
    author: userBasic(state, state.user(note.author)),
    created_at: note.createdAt,
    updated_at: note.updatedAt,
    system: note.system,
    noteable_id: mr.id,
    noteable_type: "MergeRequest",
    project_id: note.projectId,
    noteable_iid: mr.iid,
    resolvable: false,
    confidential: false,
    internal: false,
    commands_changes: {},
  };
}

const FINISHED = new Set(["success", "failed", "canceled", "skipped"]);

export function statusObject(state: GitLabState, status: FakeGitLabStatus, createdAt: string) {
  const at = new Date(status.at).toISOString();
  return {
    id: status.id,
    sha: status.sha,
    ref: status.ref,
    status: status.status,
    name: status.name,
    target_url: status.targetUrl,
    description: status.description,
    created_at: createdAt,
    started_at: status.status === "pending" ? null : at,
    finished_at: FINISHED.has(status.status) ? at : null,
    allow_failure: false,
    coverage: null,
    pipeline_id: null,
    author: userBasic(state, state.botUser),
  };
}

export function deployTokenObject(token: DeployTokenRecord, withSecret: boolean) {
  return {
    id: token.id,
    name: token.name,
    username: token.username,
    expires_at: token.expiresAt,
    revoked: token.revoked,
    expired: token.expiresAt !== null && Date.parse(token.expiresAt) <= Date.now(),
    scopes: token.scopes,
    ...(withSecret ? { token: token.token } : {}),
  };
}
