/**
 * The `github` context of a run, as GitHub documents it, so expressions and scripts written
 * for GitHub Actions see what they expect. The runner adds `workspace` and `job`.
 */
import { repoPath, repoRef } from "../runs/repo-ref.ts";
import { type RunContext, runSha } from "../runs/run-context.ts";

export interface GitHubContextInputs {
  context: RunContext;
  payload: Record<string, unknown>;
  runId: string;
  runNumber: number;
  workflow: { name: string; path: string };
  serverUrl: string;
  apiUrl: string;
}

export function githubContext({
  context,
  payload,
  runId,
  runNumber,
  workflow,
  serverUrl,
  apiUrl,
}: GitHubContextInputs): Record<string, unknown> {
  const refName = context.ref.replace(/^refs\/(heads|tags)\//, "").replace(/^refs\/pull\/(\d+)\/\w+$/, "$1/merge");
  return {
    event: payload,
    event_name: context.eventName,
    // A pull request's test merge commit (refs/pull/N/merge), as on GitHub: not its head.
    sha: runSha(context),
    ref: context.ref,
    ref_name: refName,
    ref_type: context.ref.startsWith("refs/tags/") ? "tag" : "branch",
    head_ref: context.pullRequest?.headRef ?? "",
    base_ref: context.pullRequest?.baseRef ?? "",
    repository: repoPath(context.repo.fullName),
    repository_owner: repoRef(repoPath(context.repo.fullName)).owner,
    run_id: runId,
    run_number: runNumber,
    run_attempt: 1,
    actor: context.actor,
    triggering_actor: context.actor,
    workflow: workflow.name,
    workflow_ref: `${repoPath(context.repo.fullName)}/${workflow.path}@${context.ref}`,
    server_url: serverUrl,
    api_url: apiUrl,
    graphql_url: apiUrl.replace(/\/v3$/, "/graphql").replace(/api\.github\.com$/, "api.github.com/graphql"),
    retention_days: 90,
  };
}
