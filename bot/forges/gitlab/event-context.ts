/**
 * A stored GitLab hook as the forge-neutral RunContext, with the values a GitHub Actions user
 * expects: a Push Hook or Tag Push Hook is `push` (`github.ref` the pushed ref), a Merge Request
 * Hook that opens, reopens or adds commits is `pull_request` (types `opened`, `reopened`,
 * `synchronize`; `head_ref` the source branch, `base_ref` the target). A merge request runs at
 * its head, as GitLab's own merge request pipelines do, fetched from the target project's
 * `refs/merge-requests/<iid>/head`, which holds a fork's commits too; statuses go on that head.
 *
 * The project is named host-qualified (`gitlab.example.com/group/project`, see runs/repo-ref.ts).
 */
import type { z } from "zod";
import { fail, ok, type Result } from "../../../protocol/result.ts";
import { repoRef } from "../../runs/repo-ref.ts";
import type { RunContext } from "../../runs/run-context.ts";
import { MergeRequestHook, PushHook } from "./schema.ts";
import { RUN_ACTIONS } from "./stored-events.ts";

/** GitHub's `pull_request` activity types for GitLab's merge request actions. */
const PR_TYPES: Record<string, string> = { open: "opened", reopen: "reopened", update: "synchronize" };

/** GitLab's payload lists at most 20 commits; a longer push has files we cannot see. */
const PAYLOAD_COMMIT_LIMIT = 20;

export function gitlabRunContext(host: string, deliveryId: string, name: string, payload: unknown): Result<RunContext> {
  const context =
    name === "Push Hook" || name === "Tag Push Hook"
      ? pushContext(host, deliveryId, payload)
      : name === "Merge Request Hook"
        ? mergeRequestContext(host, deliveryId, payload)
        : fail(`${name} starts no run`);
  // The `gitlab` context: GitLab's own fields (`object_kind`, `project`, `object_attributes`…), as it sent them.
  return context.ok ? ok({ ...context.value, contexts: { gitlab: payload as Record<string, unknown> } }) : context;
}

/** The project as Flotilla names it: its path on the forge, qualified with the forge's host. */
export function projectName(host: string, path: string): string {
  return `${host}/${path}`;
}

function pushContext(host: string, deliveryId: string, payload: unknown): Result<RunContext> {
  const parsed = PushHook.safeParse(payload);
  if (!parsed.success) return fail(`push hook lacks ${parsed.error.issues[0]?.path.join(".")}`);
  const push = parsed.data;
  if (/^0+$/.test(push.after) || !push.checkout_sha) return fail("push deleted a ref");
  const tag = push.ref.startsWith("refs/tags/");
  return ok({
    forge: "gitlab",
    deliveryId,
    repo: repoRef(projectName(host, push.project.path_with_namespace)),
    private: push.project.visibility_level !== 20,
    eventName: "push",
    // The commit: for an annotated tag `after` is the tag object, `checkout_sha` the commit it tags
    // (GitLab's own CI_COMMIT_SHA); for a branch both are the new tip.
    sha: push.checkout_sha,
    ref: push.ref,
    filterRef: { kind: tag ? "tag" : "branch", name: push.ref.replace(/^refs\/(heads|tags)\//, "") },
    actor: push.user_username ?? push.user_name ?? "",
    checkout: { cloneUrl: push.project.git_http_url },
    fork: false,
    changedFiles: pushedFiles(push),
  });
}

function pushedFiles(push: z.infer<typeof PushHook>): string[] | undefined {
  const { commits } = push;
  if (commits.length === 0 || push.total_commits_count > commits.length || commits.length >= PAYLOAD_COMMIT_LIMIT)
    return undefined;
  return [...new Set(commits.flatMap((c) => [...c.added, ...c.modified, ...c.removed]))];
}

function mergeRequestContext(host: string, deliveryId: string, payload: unknown): Result<RunContext> {
  const parsed = MergeRequestHook.safeParse(payload);
  if (!parsed.success) return fail(`merge request hook lacks ${parsed.error.issues[0]?.path.join(".")}`);
  const { project, object_attributes: mr, user } = parsed.data;
  const action = mr.action ?? "";
  if (!RUN_ACTIONS.has(action)) return fail(`merge request ${action || "event"} starts no run`);
  if (action === "update" && !mr.oldrev) return fail("merge request update without new commits starts no run");
  const ref = `refs/merge-requests/${mr.iid}/head`;
  const sourcePath = mr.source?.path_with_namespace ?? project.path_with_namespace;
  return ok({
    forge: "gitlab",
    deliveryId,
    repo: repoRef(projectName(host, project.path_with_namespace)),
    private: project.visibility_level !== 20,
    eventName: "pull_request",
    action: PR_TYPES[action],
    sha: mr.last_commit.id,
    ref,
    filterRef: { kind: "branch", name: mr.target_branch },
    actor: user.username,
    checkout: { cloneUrl: project.git_http_url, ref },
    fork: mr.source_project_id !== mr.target_project_id,
    pullRequest: {
      number: mr.iid,
      headRef: mr.source_branch,
      baseRef: mr.target_branch,
      // Who opened it or pushed its new commits: for a fork, whoever can push to the fork.
      author: user.username,
      headOwner: sourcePath.split("/").slice(0, -1).join("/"),
    },
  });
}
