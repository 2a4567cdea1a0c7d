/**
 * Whether a workflow's `on:` wants this event, by GitHub's rules.
 */
import type { RunContext } from "../runs/run-context.ts";
import { matchesFilters } from "./filter-pattern.ts";
import type { RefFilter, Triggers } from "./workflow.ts";

const DEFAULT_PR_TYPES = ["opened", "synchronize", "reopened"];

export function matchesEvent(on: Triggers, context: RunContext): boolean {
  if (context.eventName === "push" && on.push) {
    // GitHub does not evaluate path filters for tag pushes.
    const files = context.filterRef.kind === "tag" ? undefined : context.changedFiles;
    return refMatches(on.push, context.filterRef) && pathsMatch(on.push, files);
  }
  if (context.eventName === "pull_request" && on.pull_request) {
    const types = on.pull_request.types ?? DEFAULT_PR_TYPES;
    return (
      types.includes(context.action ?? "") &&
      refMatches(on.pull_request, context.filterRef) &&
      pathsMatch(on.pull_request, context.changedFiles)
    );
  }
  if (context.eventName === "workflow_dispatch") return on.workflow_dispatch !== undefined;
  // A slot of one of the workflow's crons (the scheduler names the workflow and the cron it fired).
  if (context.eventName === "schedule")
    return on.schedule?.some((entry) => entry.cron === context.schedule?.cron) ?? false;
  if (context.eventName === "repository_dispatch" && on.repository_dispatch)
    return typesMatch(on.repository_dispatch.types, context.action);
  if (context.eventName === "release" && on.release) return typesMatch(on.release.types, context.action);
  // Another run of this repository was requested or completed; `branches` are that run's.
  if (context.eventName === "workflow_run" && on.workflow_run)
    return (
      on.workflow_run.workflows.includes(context.triggeringWorkflow ?? "") &&
      typesMatch(on.workflow_run.types, context.action) &&
      refMatches(on.workflow_run, context.filterRef)
    );
  return false;
}

/** No `types:` means every activity type. */
function typesMatch(types: string[] | undefined, action: string | undefined): boolean {
  return types === undefined || types.includes(action ?? "");
}

function refMatches(filter: RefFilter, ref: RunContext["filterRef"]): boolean {
  const branchFilter = filter.branches ?? filter.branchesIgnore;
  const tagFilter = filter.tags ?? filter.tagsIgnore;
  if (!branchFilter && !tagFilter) return true;
  // Naming only one kind of ref means the other kind never starts the workflow.
  const own = ref.kind === "branch" ? filter.branches : filter.tags;
  const ignore = ref.kind === "branch" ? filter.branchesIgnore : filter.tagsIgnore;
  if (own) return matchesFilters(ref.name, own);
  if (ignore) return !matchesFilters(ref.name, ignore);
  return false;
}

/**
 * `paths`: at least one changed file matches. `paths-ignore`: at least one changed file is
 * not ignored. Unknown changed files (a pull request before its files are fetched) run, as
 * GitHub does when it cannot compute the diff.
 */
function pathsMatch(filter: RefFilter, changedFiles: string[] | undefined): boolean {
  if (changedFiles === undefined) return true;
  if (filter.paths) return changedFiles.some((file) => matchesFilters(file, filter.paths!));
  if (filter.pathsIgnore) return changedFiles.some((file) => !matchesFilters(file, filter.pathsIgnore!));
  return true;
}
