/**
 * The event `flotilla run` pretends happened: a push of the current checkout (default), a
 * pull request from the current branch into the default branch, or a workflow_dispatch with
 * `--input`s. Built as the planner's RunContext plus a payload shaped like GitHub's, so
 * `on:` filters and `github.event.*` read as they would on the forge.
 */
import { checkInputs } from "../../bot/api/dispatch-inputs.ts";
import { repoRef } from "../../bot/runs/repo-ref.ts";
import type { RunContext } from "../../bot/runs/run-context.ts";
import type { DispatchInput } from "../../bot/workflows/workflow.ts";
import type { GitFacts } from "./git-facts.ts";

export const LOCAL_EVENTS = ["push", "pull_request", "workflow_dispatch"] as const;
export type LocalEventName = (typeof LOCAL_EVENTS)[number];

export interface LocalEvent {
  context: RunContext;
  payload: Record<string, unknown>;
}

export function isLocalEvent(name: string): name is LocalEventName {
  return (LOCAL_EVENTS as readonly string[]).includes(name);
}

export function localEvent(name: LocalEventName, facts: GitFacts): LocalEvent {
  const repo = repoRef(facts.fullName);
  const repository = {
    full_name: repo.fullName,
    name: repo.name,
    owner: { login: repo.owner },
    default_branch: facts.defaultBranch,
    clone_url: facts.root,
    private: false,
  };
  const sender = { login: facts.actor };
  const pullRequest =
    name === "pull_request"
      ? { number: 0, headRef: facts.refName, baseRef: facts.defaultBranch, author: facts.actor, headOwner: repo.owner }
      : undefined;
  const context: RunContext = {
    forge: "github",
    deliveryId: "local",
    repo,
    private: false,
    eventName: name,
    ...(name === "pull_request" ? { action: "opened" } : {}),
    sha: facts.sha,
    ref: facts.ref,
    // A pull request's `branches:` filter matches its base branch.
    filterRef: pullRequest
      ? { kind: "branch", name: pullRequest.baseRef }
      : { kind: facts.refKind, name: facts.refName },
    actor: facts.actor,
    checkout: { cloneUrl: facts.root },
    fork: false,
    ...(pullRequest ? { pullRequest } : {}),
    // Unknown: `paths` filters then match, as GitHub does when it cannot tell.
  };
  const payload: Record<string, unknown> =
    name === "push"
      ? {
          ref: facts.ref,
          before: "0".repeat(40),
          after: facts.sha,
          head_commit: { id: facts.sha },
          commits: [],
          repository,
          pusher: { name: facts.actor },
          sender,
        }
      : name === "pull_request"
        ? {
            action: "opened",
            number: 0,
            pull_request: {
              number: 0,
              head: { ref: facts.refName, sha: facts.sha },
              base: { ref: facts.defaultBranch },
            },
            repository,
            sender,
          }
        : { ref: facts.ref, repository, sender };
  return { context, payload };
}

/**
 * The `inputs` context of a dispatch: `--input`s checked by the bot's own rules (unknown and
 * missing required inputs, booleans, numbers, choices — GitHub's messages), then each
 * missing input's default, as the planner fills them in (bot/planner/plan-event.ts).
 */
export function dispatchInputs(
  declared: Record<string, DispatchInput>,
  given: Record<string, string>,
): { inputs: Record<string, unknown>; errors: string[] } {
  const checked = checkInputs(declared, given);
  if (!checked.ok) return { inputs: {}, errors: checked.reason };
  const inputs = Object.fromEntries(
    Object.entries(declared).map(([name, input]) => [
      name,
      given[name] ?? input.default ?? (input.type === "boolean" ? false : ""),
    ]),
  );
  return { inputs, errors: [] };
}
