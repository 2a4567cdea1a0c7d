/**
 * `on:` in its three forms: a string, a list of events, or a map of events to filters.
 */
import type { Node } from "yaml";
import type { RefFilter, Triggers } from "./workflow.ts";
import { entries, isMap, isScalar, isSeq, Problems, scalarString, stringList } from "./yaml-node.ts";

const FILTER_KEYS: Record<string, keyof RefFilter> = {
  branches: "branches",
  "branches-ignore": "branchesIgnore",
  tags: "tags",
  "tags-ignore": "tagsIgnore",
};

export function parseTriggers(node: Node | null, problems: Problems): Triggers {
  const triggers: Triggers = { other: [] };
  if (isScalar(node)) addEvent(triggers, scalarString(node) ?? "", null, problems);
  else if (isSeq(node)) for (const item of node.items) addEvent(triggers, scalarString(item as Node) ?? "", null, problems);
  else if (isMap(node)) for (const [name, value] of entries(node)) addEvent(triggers, name, value, problems);
  else problems.at(node, "`on` must name the events that start the workflow");
  return triggers;
}

function addEvent(triggers: Triggers, name: string, config: Node | null, problems: Problems): void {
  if (name === "push") triggers.push = refFilter(config, problems, "push", new Set(["tags", "tags-ignore"]));
  else if (name === "pull_request") triggers.pull_request = refFilter(config, problems, "pull_request", new Set(["types"]));
  else triggers.other.push(name);
}

function refFilter(config: Node | null, problems: Problems, event: string, extra: Set<string>): RefFilter & { types?: string[] } {
  const filter: RefFilter & { types?: string[] } = {};
  if (config === null || (isScalar(config) && config.value === null)) return filter;
  if (!isMap(config)) {
    problems.at(config, `on.${event} must be a mapping of filters`);
    return filter;
  }
  for (const [key, value, pair] of entries(config)) {
    const field = FILTER_KEYS[key];
    if (field && (event === "push" || !key.startsWith("tags"))) filter[field] = stringList(value, problems, `on.${event}.${key}`);
    else if (key === "types" && extra.has("types")) filter.types = stringList(value, problems, `on.${event}.types`);
    else if (key === "paths" || key === "paths-ignore") problems.at(pair, `\`on.${event}.${key}\` is not supported yet`);
    else problems.at(pair, `\`on.${event}.${key}\` is not a filter of ${event}`);
  }
  if (filter.branches && filter.branchesIgnore) problems.at(config, `on.${event}: use either branches or branches-ignore, not both`);
  if (filter.tags && filter.tagsIgnore) problems.at(config, `on.${event}: use either tags or tags-ignore, not both`);
  return filter;
}
