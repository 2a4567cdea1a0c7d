/**
 * Whether a workflow's `on:` wants this event, by GitHub's rules.
 */
import type { RunContext } from "../planner/run-context.ts";
import { matchesFilters } from "./filter-pattern.ts";
import type { RefFilter, Triggers } from "./workflow.ts";

const DEFAULT_PR_TYPES = ["opened", "synchronize", "reopened"];

export function matchesEvent(on: Triggers, context: RunContext): boolean {
  if (context.eventName === "push" && on.push) return refMatches(on.push, context.filterRef);
  if (context.eventName === "pull_request" && on.pull_request) {
    const types = on.pull_request.types ?? DEFAULT_PR_TYPES;
    return types.includes(context.action ?? "") && refMatches(on.pull_request, context.filterRef);
  }
  return false;
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
