/**
 * The Forge interface over GitHub's REST API, for one installation.
 */
import type { ProbotOctokit } from "probot";
import type { Permission } from "../forge.ts";
import type { Annotation, CheckOutput, CheckUpdate, Forge, NewCheck, WorkflowFile } from "../forge.ts";
import type { RepoRef } from "../../runs/repo-ref.ts";
import type { BlobCache, PermissionCache, TokenCache } from "../caches.ts";
import { createCheckRun, findCheckRun } from "./check-run-create.ts";
import { findOwnComment } from "./own-comment.ts";
import { permissionOf } from "./permission.ts";
import { WriteDropped } from "./request-budget.ts";

type Octokit = ProbotOctokit;

/** GitHub accepts at most 50 annotations per request; the rest go in follow-up updates. */
const ANNOTATIONS_PER_REQUEST = 50;

export interface GitHubForgeDeps {
  installationId: number;
  /** Octokit authenticated as the installation. */
  octokit: Octokit;
  /** Octokit authenticated as the app (JWT): only it can mint narrowed installation tokens. */
  appOctokit: () => Promise<Octokit>;
  blobs: BlobCache;
  tokens: TokenCache;
  permissions: PermissionCache;
  /** The app's own account, `<slug>[bot]`: the author of the comments it writes. */
  botLogin: () => Promise<string>;
}

export function githubForge(deps: GitHubForgeDeps): Forge {
  const { installationId, octokit, appOctokit, blobs, tokens, permissions } = deps;
  return {
    steerers: { levels: ["write", "maintain", "admin"], noun: "permission" },
    describePermission: (permission) => `${permission === "none" ? "no" : permission} permission`,
    async listWorkflowFiles(repo, sha, dir) {
      const listing = await getContent(octokit, repo, dir, sha);
      if (!Array.isArray(listing)) return [];
      const wanted = listing.filter((entry) => entry.type === "file" && /\.ya?ml$/i.test(entry.name));
      wanted.sort((a, b) => a.path.localeCompare(b.path));
      const files = await Promise.all(
        wanted.map(async (entry): Promise<WorkflowFile | undefined> => {
          const key = `${repo.fullName}:${entry.sha}`;
          const cached = blobs.get(key);
          if (cached !== undefined) return { path: entry.path, content: cached };
          const file = await getContent(octokit, repo, entry.path, sha);
          if (!file || Array.isArray(file) || typeof file.content !== "string") return undefined;
          const content = Buffer.from(file.content, "base64").toString("utf8");
          blobs.set(key, content);
          return { path: entry.path, content };
        }),
      );
      return files.filter((f): f is WorkflowFile => f !== undefined);
    },

    async readFile(repo, path, ref) {
      let file: ContentEntry | ContentEntry[] | undefined;
      try {
        file = await getContent(octokit, repo, path, ref);
      } catch (error) {
        // A repository outside the installation: GitHub answers 404, some servers 403.
        if ((error as { status?: number }).status === 403) return undefined;
        throw error;
      }
      if (!file || Array.isArray(file) || typeof file.content !== "string") return undefined;
      return Buffer.from(file.content, "base64").toString("utf8");
    },

    async commitSha(repo, ref) {
      try {
        const { data } = await octokit.rest.repos.getCommit({ owner: repo.owner, repo: repo.name, ref });
        return data.sha;
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 404 || status === 422) return undefined;
        throw error;
      }
    },

    async pullRequest(repo, pullNumber) {
      try {
        const { data } = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.name, pull_number: pullNumber });
        return {
          headSha: data.head.sha,
          open: data.state === "open",
          mergeable: data.mergeable,
          mergeCommitSha: data.merge_commit_sha,
        };
      } catch (error) {
        if ((error as { status?: number }).status === 404) return undefined;
        throw error;
      }
    },

    async changedFiles(repo, pullNumber) {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
        owner: repo.owner,
        repo: repo.name,
        pull_number: pullNumber,
        per_page: 100,
      });
      // GitHub lists at most 3,000 files of a pull request; past that the list is not the change.
      if (files.length >= 3000) return undefined;
      return files.flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename]));
    },

    async createCheck(repo, check: NewCheck) {
      const [first, rest] = splitAnnotations(check.output);
      const id = await createCheckRun(
        octokit,
        {
          owner: repo.owner,
          repo: repo.name,
          name: check.name,
          head_sha: check.headSha,
          details_url: check.detailsUrl,
          external_id: check.externalId,
          status: check.status,
          ...(check.conclusion ? { conclusion: check.conclusion, completed_at: new Date().toISOString() } : {}),
          ...(first ? { output: first } : {}),
        },
        // A check run born completed (a broken workflow file) is a final state.
        check.conclusion ? "final" : "create",
      );
      await sendRemainingAnnotations(octokit, repo, id, check.output, rest);
      return { id };
    },

    async findCheck(repo, key) {
      const id = await findCheckRun(octokit, repo, key);
      return id === undefined ? undefined : { id };
    },

    async updateCheck(repo, { id }, update: CheckUpdate) {
      const [first, rest] = splitAnnotations(update.output);
      // Only a conclusion is final; `in_progress` is worth a request only while the budget is ample.
      const priority = update.status === "completed" || update.conclusion ? "final" : "progress";
      try {
        await octokit.rest.checks.update({
          owner: repo.owner,
          repo: repo.name,
          check_run_id: id,
          ...(update.status ? { status: update.status } : {}),
          ...(update.startedAt ? { started_at: update.startedAt } : {}),
          ...(update.completedAt ? { completed_at: update.completedAt } : {}),
          ...(update.conclusion ? { conclusion: update.conclusion } : {}),
          ...(update.actions ? { actions: update.actions } : {}),
          ...(first ? { output: first } : {}),
          request: { priority },
        });
      } catch (error) {
        // Dropped under a short budget: the conclusion that follows carries the whole state.
        if (error instanceof WriteDropped) return;
        throw error;
      }
      await sendRemainingAnnotations(octokit, repo, id, update.output, rest);
    },

    async setCommitStatus(repo, sha, status) {
      await octokit.rest.repos.createCommitStatus({
        owner: repo.owner,
        repo: repo.name,
        sha,
        state: status.state,
        context: status.context,
        // GitHub cuts descriptions at 140 characters and refuses longer ones.
        description: status.description.slice(0, 140),
        target_url: status.targetUrl,
        request: { priority: status.state === "pending" ? "create" : "final" },
      });
    },

    async cloneToken(repo) {
      const key = `${installationId}:${repo.fullName}`;
      const cached = tokens.get(key);
      if (cached) return cached;
      const app = await appOctokit();
      const { data } = await app.request("POST /app/installations/{installation_id}/access_tokens", {
        installation_id: installationId,
        repositories: [repo.name],
        permissions: { contents: "read" },
      });
      tokens.set(key, data.token, data.expires_at);
      return data.token;
    },

    async permission(repo, login) {
      const key = `${installationId}:${repo.fullName}:${login.toLowerCase()}`;
      const cached = permissions.get(key);
      if (cached) return cached;
      let permission: Permission;
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
          owner: repo.owner,
          repo: repo.name,
          username: login,
        });
        permission = permissionOf(data.role_name, data.permission);
      } catch (error) {
        // No such user (GitHub answers 404 for a login that does not exist).
        if ((error as { status?: number }).status !== 404) throw error;
        permission = "none";
      }
      permissions.set(key, permission);
      return permission;
    },

    async react(repo, _pullNumber, commentId, reaction) {
      await octokit.rest.reactions.createForIssueComment({
        owner: repo.owner,
        repo: repo.name,
        comment_id: commentId,
        content: reaction,
      });
    },

    async comment(repo, pullNumber, body) {
      const { data } = await octokit.rest.issues.createComment({
        owner: repo.owner,
        repo: repo.name,
        issue_number: pullNumber,
        body,
      });
      return { id: data.id };
    },

    async editComment(repo, _pullNumber, commentId, body) {
      await octokit.rest.issues.updateComment({ owner: repo.owner, repo: repo.name, comment_id: commentId, body });
    },

    async findComment(repo, pullNumber, marker) {
      return findOwnComment(octokit, repo, pullNumber, { login: await deps.botLogin(), marker });
    },
  };
}

interface ContentEntry {
  type: string;
  sha: string;
  name: string;
  path: string;
  content?: string;
}

async function getContent(
  octokit: Octokit,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<ContentEntry | ContentEntry[] | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: repo.owner, repo: repo.name, path, ref });
    return data as ContentEntry | ContentEntry[];
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

type GitHubOutput = { title: string; summary: string; text?: string; annotations?: GitHubAnnotation[] };
type GitHubAnnotation = {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "failure" | "warning" | "notice";
  message: string;
  title?: string;
};

function toGitHubAnnotation(a: Annotation): GitHubAnnotation {
  // GitHub refuses columns on annotations that span several lines.
  const sameLine = a.startLine === a.endLine;
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    ...(sameLine && a.startColumn ? { start_column: a.startColumn, end_column: a.endColumn ?? a.startColumn } : {}),
    annotation_level: a.level,
    message: a.message,
    ...(a.title ? { title: a.title } : {}),
  };
}

function splitAnnotations(output: CheckOutput | undefined): [GitHubOutput | undefined, GitHubAnnotation[][]] {
  if (!output) return [undefined, []];
  const all = (output.annotations ?? []).map(toGitHubAnnotation);
  const batches: GitHubAnnotation[][] = [];
  for (let i = 0; i < all.length; i += ANNOTATIONS_PER_REQUEST) batches.push(all.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const [first, ...rest] = batches;
  const base = { title: output.title, summary: output.summary, ...(output.text ? { text: output.text } : {}) };
  return [first ? { ...base, annotations: first } : base, rest];
}

async function sendRemainingAnnotations(
  octokit: Octokit,
  repo: RepoRef,
  id: number,
  output: CheckOutput | undefined,
  batches: GitHubAnnotation[][],
) {
  if (!output) return;
  for (const annotations of batches) {
    await octokit.rest.checks.update({
      owner: repo.owner,
      repo: repo.name,
      check_run_id: id,
      output: { title: output.title, summary: output.summary, annotations },
      request: { priority: "final" },
    });
  }
}
