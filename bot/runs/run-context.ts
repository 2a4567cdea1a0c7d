/**
 * What the planner needs to know about one forge event, whatever the forge.
 */
import type { RepoRef } from "./repo-ref.ts";

export interface RunContext {
  forge: "github" | "gitlab" | "git";
  deliveryId: string;
  installationId?: number;
  repo: RepoRef;
  private: boolean;
  /** The event name as workflows see it in `on:` (`push`, `pull_request`, `workflow_dispatch`). */
  eventName: string;
  /** For pull requests, releases and repository dispatches, `types:` filters match on it (a dispatch's `event_type`). */
  action?: string;
  /** The commit the event is about: check runs and statuses are on it (a pull request's head). */
  sha: string;
  /** `github.ref`: for a pull request its test merge with the base, `refs/pull/<n>/merge`. */
  ref: string;
  /** Branch or tag name that `branches:`/`tags:` filters match (the base branch for a PR, the triggering run's branch for `workflow_run`). */
  filterRef: { kind: "branch" | "tag"; name: string };
  actor: string;
  /**
   * Where the runner fetches the code: always this repository, with its clone token — a pull
   * request's code, a fork's too, is in its `refs/pull/<n>/head` and `/merge`, as GitHub's own
   * checkout fetches it. `ref` names the commit for git when no branch holds it; `sha`, set by
   * the planner once the forge has made a pull request's test merge, is what jobs run at and
   * see as `github.sha` (see `runSha`).
   */
  checkout: { cloneUrl: string; ref?: string; sha?: string };
  fork: boolean;
  /** `author`: who opened the pull request (whose permission decides whether a fork's PR runs). */
  pullRequest?: {
    number: number;
    headRef: string;
    baseRef: string;
    author: string;
    /** Who owns the head repository (the fork); empty when it was deleted. */
    headOwner: string;
  };
  /**
   * Files the event changed, for `paths`/`paths-ignore`. Undefined when not known (a pull
   * request, until its files are fetched): paths filters then match.
   */
  changedFiles?: string[];
  /** `workflow_dispatch` and `schedule` start one workflow file, this one. */
  workflowPath?: string;
  /** The repository's default branch, when the event says: a push to it records the schedules (bot/schedules/). */
  defaultBranch?: string;
  /** For `workflow_run`: the `name` of the workflow whose run was requested or completed. */
  triggeringWorkflow?: string;
  /** The `on.schedule` entry a scheduled event fired (`github.event.schedule` is its cron). */
  schedule?: { cron: string };
  /**
   * Named contexts the forge adds beside GitHub's, by name: a GitLab project's runs see
   * `gitlab`, the hook as GitLab sent it. Its workflows may read them wherever `github` is
   * allowed; other workflows cannot name them (GitHub's parser refuses what it does not know).
   */
  contexts?: Record<string, Record<string, unknown>>;
}

/** The commit jobs run at, workflow files are read from and `github.sha` names: a pull request's test merge, else `sha`. */
export function runSha(context: RunContext): string {
  return context.checkout.sha ?? context.sha;
}
