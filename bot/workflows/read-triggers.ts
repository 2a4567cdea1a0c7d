/**
 * `on:` in its three forms (a string, a list of events, a map of events to filters), from the
 * events GitHub's converter produced. Inputs of `workflow_dispatch` are read from the tokens,
 * because the converter drops `type: number` (its InputType has no `number`).
 */
import type { EventsConfig } from "@actions/workflow-parser/model/workflow-template";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/index";
import { isBoolean, isMapping, isNumber, isSequence, isString } from "@actions/workflow-parser";
import { entries, find, problemAt, type TokenText } from "./token-text.ts";
import type {
  CallInput,
  DispatchInput,
  RefFilter,
  ScheduleTrigger,
  Triggers,
  WorkflowCallTrigger,
  WorkflowProblem,
} from "./workflow.ts";

type Filters = Partial<
  Record<
    "branches" | "branches-ignore" | "tags" | "tags-ignore" | "paths" | "paths-ignore" | "types" | "workflows",
    string[]
  >
>;

const INPUT_TYPES = new Set<DispatchInput["type"]>(["string", "boolean", "choice", "number", "environment"]);

export function readTriggers(
  events: EventsConfig,
  on: TemplateToken | undefined,
  text: TokenText,
  problems: WorkflowProblem[],
): Triggers {
  const triggers: Triggers = { other: [] };
  for (const [name, config] of Object.entries(events)) {
    const filters = (config ?? {}) as Filters;
    if (name === "push") triggers.push = refFilter(filters);
    else if (name === "schedule")
      triggers.schedule = schedules(Array.isArray(config) ? config : [], find(on, name), problems);
    else if (name === "repository_dispatch" || name === "release")
      triggers[name] = filters.types ? { types: filters.types } : {};
    else if (name === "workflow_run")
      triggers.workflow_run = {
        ...refFilter(filters),
        workflows: filters.workflows ?? [],
        ...(filters.types ? { types: filters.types } : {}),
      };
    else if (name === "pull_request")
      triggers.pull_request = { ...refFilter(filters), ...(filters.types ? { types: filters.types } : {}) };
    else if (name === "workflow_dispatch")
      triggers.workflow_dispatch = { inputs: dispatchInputs(find(find(on, name), "inputs"), text) };
    else {
      triggers.other.push(name);
      if (name === "workflow_call") triggers.workflow_call = workflowCall(find(on, name), text);
    }
  }
  return triggers;
}

/**
 * `on.schedule`, as GitHub's converter read it. A `timezone` must be one this machine's time
 * zone database knows: GitHub's parser takes any string, and a name nobody knows would
 * otherwise make the schedule never fire without a word.
 */
function schedules(
  converted: ScheduleTrigger[],
  token: TemplateToken | undefined,
  problems: WorkflowProblem[],
): ScheduleTrigger[] {
  const items = token && isSequence(token) ? [...token] : [];
  return converted.map((entry, index) => {
    if (entry.timezone === undefined) return { cron: entry.cron };
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: entry.timezone });
    } catch {
      problems.push(
        problemAt(
          find(items[index], "timezone"),
          `Unknown time zone '${entry.timezone}' in schedule: use an IANA name such as 'Europe/Paris' or 'UTC'`,
        ),
      );
    }
    return { cron: entry.cron, timezone: entry.timezone };
  });
}

function refFilter(filters: Filters): RefFilter {
  const filter: RefFilter = {};
  if (filters.branches) filter.branches = filters.branches;
  if (filters["branches-ignore"]) filter.branchesIgnore = filters["branches-ignore"];
  if (filters.tags) filter.tags = filters.tags;
  if (filters["tags-ignore"]) filter.tagsIgnore = filters["tags-ignore"];
  if (filters.paths) filter.paths = filters.paths;
  if (filters["paths-ignore"]) filter.pathsIgnore = filters["paths-ignore"];
  return filter;
}

function dispatchInputs(token: TemplateToken | undefined, text: TokenText): Record<string, DispatchInput> {
  const inputs: Record<string, DispatchInput> = {};
  if (!token || !isMapping(token)) return inputs;
  for (const [name, config] of entries(token)) {
    const input: DispatchInput = { required: false, type: "string" };
    if (isMapping(config)) {
      for (const [key, value] of entries(config)) {
        if (key === "description") input.description = text.text(value);
        else if (key === "required") input.required = isBoolean(value) && value.value;
        else if (key === "type" && INPUT_TYPES.has(text.text(value) as DispatchInput["type"]))
          input.type = text.text(value) as DispatchInput["type"];
        else if (key === "options" && isSequence(value)) input.options = [...value].map((item) => text.text(item));
        else if (key === "default")
          input.default =
            isBoolean(value) || isNumber(value) ? value.value : isString(value) ? value.value : text.text(value);
      }
    }
    inputs[name] = input;
  }
  return inputs;
}

/**
 * `on.workflow_call`: inputs (types string, number, boolean), outputs (`value` templates) and
 * secrets, read from the tokens like dispatch inputs (the converter drops some of them).
 */
function workflowCall(token: TemplateToken | undefined, text: TokenText): WorkflowCallTrigger {
  const call: WorkflowCallTrigger = { inputs: {}, outputs: {}, secrets: {} };
  if (!token || !isMapping(token)) return call;
  for (const [section, value] of entries(token)) {
    if (!isMapping(value)) continue;
    for (const [name, config] of entries(value)) {
      if (section === "inputs") call.inputs[name] = callInput(config, text);
      else if (section === "outputs") {
        const output = isMapping(config) ? find(config, "value") : undefined;
        call.outputs[name] = output ? text.text(output) : "";
      } else if (section === "secrets") {
        const required = isMapping(config) ? find(config, "required") : undefined;
        call.secrets[name] = { required: Boolean(required && isBoolean(required) && required.value) };
      }
    }
  }
  return call;
}

function callInput(config: TemplateToken, text: TokenText): CallInput {
  const input: CallInput = { required: false, type: "string" };
  if (!isMapping(config)) return input;
  for (const [key, value] of entries(config)) {
    if (key === "description") input.description = text.text(value);
    else if (key === "required") input.required = isBoolean(value) && value.value;
    else if (key === "type" && ["string", "boolean", "number"].includes(text.text(value)))
      input.type = text.text(value) as CallInput["type"];
    else if (key === "default")
      input.default =
        isBoolean(value) || isNumber(value) ? value.value : isString(value) ? value.value : text.text(value);
  }
  return input;
}
