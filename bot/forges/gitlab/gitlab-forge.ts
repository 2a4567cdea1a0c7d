/**
 * GitLab behind the Forge interface, through @gitbeaker/rest (client.ts retries 429 and 5xx).
 * Projects are named host-qualified in Flotilla (`gitlab.example.com/group/project`); GitLab is
 * asked by the path alone, URL-encoded, as its API takes a project id.
 *
 * - Check runs are commit statuses (status-state.ts): created `pending`, moved on by name, on
 *   the commit's branch, or for a commit no branch of the project holds (a fork's merge request)
 *   on the merge request's `refs/merge-requests/<iid>/head`, so it shows in that merge request.
 *   A status GitLab refuses as a transition to the state it already has was delivered.
 * - A merge request runs at its head: `pullRequest` answers the head as its "test merge".
 * - Clone tokens are project deploy tokens with only `read_repository`, made by the bot, kept
 *   an hour and made to expire after a day; a runner never sees the bot's `api` token.
 * - Comments are merge request notes, reactions award emoji.
 */
import type { Logger } from "pino";
import { Lru } from "toad-cache";
import type { BlobCache, PermissionCache, TokenCache } from "../caches.ts";
import type { CheckRef, CheckUpdate, Forge, NewCheck, Permission, WorkflowFile } from "../forge.ts";
import type { RepoRef } from "../../runs/repo-ref.ts";
import { repoPath } from "../../runs/repo-ref.ts";
import { permissionOfAccessLevel } from "./access-level.ts";
import { GitLabApiError, type GitLabClient } from "./client.ts";
import { description, type GitLabState, stateOfCheck, stateOfCommitStatus, stateOfUpdate } from "./status-state.ts";

export interface GitLabForgeDeps {
  client: GitLabClient;
  botUsername: () => Promise<string>;
  permissions: PermissionCache;
  tokens: TokenCache;
  /** Workflow file contents by the tree's blob id, as the GitHub forge keeps them. */
  blobs: BlobCache;
  log: Logger;
}

/** GitLab's award emoji for the reactions the commands use. */
const EMOJI = { eyes: "eyes", "+1": "thumbsup", confused: "confused" } as const;

/** A permission as the GitLab role it was read from (access-level.ts). */
const ROLE_OF: Record<Permission, string> = {
  admin: "the Owner role",
  maintain: "the Maintainer role",
  write: "the Developer role",
  triage: "the Reporter role",
  read: "the Reporter role or lower",
  none: "no role",
};

const TOKEN_LIFETIME_MS = 24 * 60 * 60_000;

export function gitlabForge(deps: GitLabForgeDeps): Forge {
  const { client, log } = deps;
  const project = (repo: RepoRef) => repoPath(repo.fullName);

  /**
   * The ref GitLab filed a commit's statuses under (its answer says), named on the commit's next
   * statuses: GitLab then need not look for a branch holding the commit again, and moves the
   * status it has rather than starting one on another branch pushed since.
   */
  const statusRefs = new Lru<string>(5000);

  /** Posts a status; a refused same-state transition was delivered already. */
  async function postStatus(
    repo: RepoRef,
    sha: string,
    state: GitLabState,
    options: { name: string; targetUrl?: string; description?: string },
  ): Promise<{ id: number } | undefined> {
    const key = `${project(repo)}@${sha}`;
    const send = (ref?: string) =>
      // Gitbeaker's type lacks `skipped`, which GitLab's API takes.
      client.Commits.editStatus(project(repo), sha, state as "pending", { ...options, ...(ref ? { ref } : {}) });
    try {
      const posted = await send(statusRefs.get(key)).catch(async (error: unknown) => {
        if (!referencesMissing(error)) throw error;
        // No branch holds the commit (a fork's merge request head): file it under that merge request.
        const ref = await mergeRequestRef(repo, sha);
        if (!ref) throw error;
        return send(ref);
      });
      const ref = (posted as { ref?: string | null } | undefined)?.ref;
      if (ref) statusRefs.set(key, ref);
      return posted;
    } catch (error) {
      if (
        error instanceof GitLabApiError &&
        error.status === 400 &&
        /cannot transition status/i.test(error.description)
      )
        return undefined;
      throw error;
    }
  }

  async function mergeRequestRef(repo: RepoRef, sha: string): Promise<string | undefined> {
    const found = (await client.Commits.allMergeRequests(project(repo), sha)) as { iid: number; sha?: string }[];
    const mr = found.find((m) => m.sha === sha) ?? found[0];
    return mr ? `refs/merge-requests/${mr.iid}/head` : undefined;
  }

  const forge: Forge = {
    steerers: { levels: ["Developer", "Maintainer", "Owner"], noun: "role" },
    describePermission: (permission) => ROLE_OF[permission],
    async changedFiles(repo, pullNumber) {
      const diffs = (await client.MergeRequests.allDiffs(project(repo), pullNumber, { perPage: 100 })) as {
        old_path: string;
        new_path: string;
      }[];
      return [...new Set(diffs.flatMap((d) => [d.old_path, d.new_path]))];
    },

    async pullRequest(repo, pullNumber) {
      const mr = await orUndefined(
        client.MergeRequests.show(project(repo), pullNumber) as Promise<{ sha: string; state: string }>,
      );
      if (!mr) return undefined;
      // GitLab's merge request pipelines run at the head; so does Flotilla.
      return { headSha: mr.sha, open: mr.state === "opened", mergeable: true, mergeCommitSha: mr.sha };
    },

    async commitSha(repo, ref) {
      const commit = await orUndefined(client.Commits.show(project(repo), ref) as Promise<{ id: string }>);
      return commit?.id;
    },

    async listWorkflowFiles(repo, sha, dir) {
      const tree = await orUndefined(
        client.Repositories.allRepositoryTrees(project(repo), { ref: sha, path: dir, perPage: 100 }) as Promise<
          { id: string; type: string; name: string; path: string }[]
        >,
      );
      const wanted = (tree ?? []).filter((entry) => entry.type === "blob" && /\.ya?ml$/i.test(entry.name));
      wanted.sort((a, b) => a.path.localeCompare(b.path));
      const files = await Promise.all(
        wanted.map(async (entry): Promise<WorkflowFile | undefined> => {
          const key = `${repo.fullName}:${entry.id}`;
          const cached = deps.blobs.get(key);
          if (cached !== undefined) return { path: entry.path, content: cached };
          const content = await forge.readFile(repo, entry.path, sha);
          if (content === undefined) return undefined;
          deps.blobs.set(key, content);
          return { path: entry.path, content };
        }),
      );
      return files.filter((f): f is WorkflowFile => f !== undefined);
    },

    async readFile(repo, path, ref) {
      const raw = await orUndefined(client.RepositoryFiles.showRaw(project(repo), path, ref), [401, 403, 404]);
      if (raw === undefined) return undefined;
      return typeof raw === "string" ? raw : await (raw as Blob).text();
    },

    async createCheck(repo, check: NewCheck) {
      const posted = await postStatus(repo, check.headSha, stateOfCheck(check), {
        name: check.name,
        targetUrl: check.detailsUrl,
        ...(check.output ? { description: description(check.output.title) } : {}),
      });
      return { id: posted?.id ?? (await forge.findCheck(repo, check))?.id ?? 0 };
    },

    async findCheck(repo, check) {
      const statuses = (await client.Commits.allStatuses(project(repo), check.headSha, {
        name: check.name,
        all: true,
      })) as { id: number; name: string; status: string }[];
      // Only an unfinished one: a finished status of that name is an earlier attempt's.
      const found = statuses
        .filter((s) => s.name === check.name && (s.status === "pending" || s.status === "running"))
        .sort((a, b) => b.id - a.id)[0];
      return found ? { id: found.id } : undefined;
    },

    async updateCheck(repo, check: CheckRef, update: CheckUpdate) {
      const state = stateOfUpdate(update);
      if (!state) return;
      await postStatus(repo, check.headSha, state, {
        name: check.name,
        ...(check.detailsUrl ? { targetUrl: check.detailsUrl } : {}),
        ...(update.output ? { description: description(update.output.title) } : {}),
      });
    },

    async setCommitStatus(repo, sha, status) {
      await postStatus(repo, sha, stateOfCommitStatus(status.state), {
        name: status.context,
        targetUrl: status.targetUrl,
        description: description(status.description)!,
      });
    },

    async cloneToken(repo) {
      const key = project(repo);
      const cached = deps.tokens.get(key);
      if (cached) return cached;
      const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_MS).toISOString();
      try {
        const made = (await client.DeployTokens.create(`flotilla-clone-${Date.now()}`, ["read_repository"], {
          projectId: key,
          expires_at: expiresAt,
        })) as { username: string; token: string };
        const credential = `${made.username}:${made.token}`;
        deps.tokens.set(key, credential, expiresAt);
        return credential;
      } catch (error) {
        // The bot is no Maintainer there: public projects still clone without a token.
        if (!(error instanceof GitLabApiError) || (error.status !== 403 && error.status !== 404)) throw error;
        log.warn({ project: key, status: error.status }, "could not make a deploy token; cloning without one");
        return undefined;
      }
    },

    async permission(repo, login) {
      const key = `${project(repo)}\0${login.toLowerCase()}`;
      const cached = deps.permissions.get(key);
      if (cached) return cached;
      const [user] = (await client.Users.all({ username: login })) as { id: number }[];
      const member = user
        ? await orUndefined(
            client.ProjectMembers.show(project(repo), user.id, { includeInherited: true }) as Promise<{
              access_level: number;
            }>,
          )
        : undefined;
      const permission = permissionOfAccessLevel(member?.access_level);
      deps.permissions.set(key, permission);
      return permission;
    },

    async react(repo, pullNumber, commentId, reaction) {
      try {
        await client.MergeRequestNoteAwardEmojis.award(project(repo), pullNumber, commentId, EMOJI[reaction]);
      } catch (error) {
        // Awarded already (a delivery carried out again): GitLab says 404 "has already been taken".
        if (error instanceof GitLabApiError && /already been taken/i.test(error.description)) return;
        throw error;
      }
    },

    async comment(repo, pullNumber, body) {
      const note = (await client.MergeRequestNotes.create(project(repo), pullNumber, body)) as { id: number };
      return { id: note.id };
    },

    async editComment(repo, pullNumber, commentId, body) {
      await client.MergeRequestNotes.edit(project(repo), pullNumber, commentId, { body });
    },

    async findComment(repo, pullNumber, marker) {
      const login = (await deps.botUsername()).toLowerCase();
      const notes = (await client.MergeRequestNotes.all(project(repo), pullNumber, { perPage: 100 })) as {
        id: number;
        body: string;
        author: { username: string };
      }[];
      const own = notes.find((n) => n.author.username.toLowerCase() === login && n.body.includes(marker));
      return own ? { id: own.id, body: own.body } : undefined;
    },
  };
  return forge;
}

function referencesMissing(error: unknown): boolean {
  return error instanceof GitLabApiError && error.status === 404 && /references/i.test(error.description);
}

/** The answer, or undefined when GitLab says there is no such thing (`statuses`: the answers that mean so). */
async function orUndefined<T>(request: Promise<T>, statuses: number[] = [404]): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof GitLabApiError && statuses.includes(error.status)) return undefined;
    throw error;
  }
}
