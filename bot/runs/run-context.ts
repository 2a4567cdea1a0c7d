/**
 * What the planner needs to know about one forge event, whatever the forge.
 */
import type { RepoRef } from "./repo-ref.ts";

export interface RunContext {
  forge: "github" | "gitlab";
  deliveryId: string;
  installationId?: number;
  repo: RepoRef;
  private: boolean;
  /** The event name as workflows see it in `on:` (`push`, `pull_request`, `workflow_dispatch`). */
  eventName: string;
  /** For pull requests, `types:` filters match on it. */
  action?: string;
  sha: string;
  ref: string;
  /** Branch or tag name that `branches:`/`tags:` filters match (the base branch for a PR). */
  filterRef: { kind: "branch" | "tag"; name: string };
  actor: string;
  /** Where the runner clones from: the head repository for a fork's pull request. */
  checkout: { cloneUrl: string; repo: RepoRef; private: boolean };
  fork: boolean;
  /** `author`: who opened the pull request (whose permission decides whether a fork's PR runs). */
  pullRequest?: { number: number; headRef: string; baseRef: string; author: string };
  /**
   * Files the event changed, for `paths`/`paths-ignore`. Undefined when not known (a pull
   * request, until its files are fetched): paths filters then match.
   */
  changedFiles?: string[];
  /** `workflow_dispatch` starts one workflow file, this one. */
  workflowPath?: string;
}
