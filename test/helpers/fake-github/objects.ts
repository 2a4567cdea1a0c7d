/**
 * Builders for GitHub's REST objects (user, app, installation, repository), filled with every
 * field the OpenAPI description marks required, so Octokit types and product code that reads
 * any of them see what GitHub would send.
 */
import { nodeId, nowIso } from "./http.ts";
import type { FakeRepository, JsonObject, Permissions } from "./types.ts";

/** Where the fake lives and who the app is: the context every builder needs. */
export interface Site {
  url: string;
  apiUrl: string;
  host: string;
  app: { id: number; slug: string; name: string; permissions: Permissions; events: string[] };
}

const CREATED_AT = "2024-01-01T00:00:00Z";

function userObject(
  site: Site,
  login: string,
  id: number,
  type: "User" | "Organization" | "Bot" = "User",
): JsonObject & { login: string; id: number; type: string } {
  const api = `${site.apiUrl}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: nodeId(type === "Organization" ? "Organization" : "User", id),
    avatar_url: `${site.url}/avatars/u/${id}?v=4`,
    gravatar_id: "",
    url: api,
    // A bot's profile is its app page; `[bot]` is not even valid in a URL path.
    html_url:
      type === "Bot" ? `${site.url}/apps/${login.replace(/\[bot\]$/, "")}` : `${site.url}/${encodeURIComponent(login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    user_view_type: "public",
    site_admin: false,
  };
}

/** Someone with an account on the fake: the same login always gets the same id. */
export function personUser(
  site: Site,
  login: string,
  type: "User" | "Bot" = "User",
): JsonObject & { login: string; id: number; type: string } {
  let hash = 0;
  for (const char of login.toLowerCase()) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return userObject(site, login, 50_000_000 + (hash % 10_000_000), type);
}

/** The app's bot account, author of its check runs, statuses and comments. */
export function botUser(site: Site): JsonObject & { login: string; id: number; type: string } {
  return userObject(site, `${site.app.slug}[bot]`, 40_000_000 + site.app.id, "Bot");
}

export function appObject(site: Site): JsonObject {
  return {
    id: site.app.id,
    slug: site.app.slug,
    node_id: nodeId("App", site.app.id),
    client_id: `Iv1.${site.app.id.toString(16).padStart(16, "0")}`,
    owner: userObject(site, "flotilla-owner", 1),
    name: site.app.name,
    description: "Flotilla CI (fake GitHub)",
    external_url: site.url,
    html_url: `${site.url}/apps/${site.app.slug}`,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    permissions: site.app.permissions,
    events: site.app.events,
    installations_count: 1,
  };
}

export function installationObject(
  site: Site,
  id: number,
  account: JsonObject & { id: number; type: string },
): JsonObject {
  return {
    id,
    account,
    repository_selection: "selected",
    access_tokens_url: `${site.apiUrl}/app/installations/${id}/access_tokens`,
    repositories_url: `${site.apiUrl}/installation/repositories`,
    html_url: `${site.url}/settings/installations/${id}`,
    app_id: site.app.id,
    app_slug: site.app.slug,
    target_id: account.id,
    target_type: account.type,
    permissions: site.app.permissions,
    events: site.app.events,
    created_at: CREATED_AT,
    updated_at: CREATED_AT,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

export interface RepositoryInput {
  id: number;
  owner: string;
  ownerId: number;
  ownerType: "User" | "Organization";
  name: string;
  private: boolean;
  defaultBranch: string;
}

export function repositoryObject(site: Site, input: RepositoryInput): FakeRepository {
  const fullName = `${input.owner}/${input.name}`;
  const api = `${site.apiUrl}/repos/${fullName}`;
  const html = `${site.url}/${fullName}`;
  const now = nowIso();
  const urls: Record<string, string> = {};
  // GitHub's hypermedia URL templates, all required by the schema.
  const templates: Record<string, string> = {
    archive_url: "/{archive_format}{/ref}",
    assignees_url: "/assignees{/user}",
    blobs_url: "/git/blobs{/sha}",
    branches_url: "/branches{/branch}",
    collaborators_url: "/collaborators{/collaborator}",
    comments_url: "/comments{/number}",
    commits_url: "/commits{/sha}",
    compare_url: "/compare/{base}...{head}",
    contents_url: "/contents/{+path}",
    contributors_url: "/contributors",
    deployments_url: "/deployments",
    downloads_url: "/downloads",
    events_url: "/events",
    forks_url: "/forks",
    git_commits_url: "/git/commits{/sha}",
    git_refs_url: "/git/refs{/sha}",
    git_tags_url: "/git/tags{/sha}",
    hooks_url: "/hooks",
    issue_comment_url: "/issues/comments{/number}",
    issue_events_url: "/issues/events{/number}",
    issues_url: "/issues{/number}",
    keys_url: "/keys{/key_id}",
    labels_url: "/labels{/name}",
    languages_url: "/languages",
    merges_url: "/merges",
    milestones_url: "/milestones{/number}",
    notifications_url: "/notifications{?since,all,participating}",
    pulls_url: "/pulls{/number}",
    releases_url: "/releases{/id}",
    stargazers_url: "/stargazers",
    statuses_url: "/statuses/{sha}",
    subscribers_url: "/subscribers",
    subscription_url: "/subscription",
    tags_url: "/tags",
    teams_url: "/teams",
    trees_url: "/git/trees{/sha}",
  };
  for (const [key, suffix] of Object.entries(templates)) urls[key] = `${api}${suffix}`;
  return {
    id: input.id,
    node_id: nodeId("Repository", input.id),
    name: input.name,
    full_name: fullName,
    private: input.private,
    visibility: input.private ? "private" : "public",
    owner: userObject(site, input.owner, input.ownerId, input.ownerType),
    html_url: html,
    description: null,
    fork: false,
    url: api,
    ...urls,
    clone_url: `${html}.git`,
    git_url: `git://${site.host}/${fullName}.git`,
    ssh_url: `git@${site.host.replace(/:\d+$/, "")}:${fullName}.git`,
    svn_url: html,
    mirror_url: null,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 1,
    default_branch: input.defaultBranch,
    open_issues: 0,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: now,
    created_at: CREATED_AT,
    updated_at: now,
    allow_forking: true,
    network_count: 0,
    subscribers_count: 0,
    permissions: { admin: false, maintain: false, push: false, triage: false, pull: true },
  };
}
