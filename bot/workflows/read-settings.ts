/**
 * Settings that appear both at the workflow and the job level: `defaults.run` and `concurrency`.
 */
import { isBoolean, isMapping, isString } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/index";
import { entries, find, type TokenText, unwrapExpression } from "./token-text.ts";
import type { Concurrency, RunDefaults } from "./workflow.ts";

export function readDefaults(token: TemplateToken | undefined, text: TokenText): RunDefaults {
  const defaults: RunDefaults = {};
  const run = find(token, "run");
  if (!run || !isMapping(run)) return defaults;
  for (const [key, value] of entries(run)) {
    if (key === "shell") defaults.shell = text.text(value);
    else if (key === "working-directory") defaults.workingDirectory = text.text(value);
  }
  return defaults;
}

/** `concurrency: group-name` or `{ group, cancel-in-progress }`; GitHub's parser checked the shape. */
export function readConcurrency(token: TemplateToken | undefined, text: TokenText): Concurrency | undefined {
  if (!token) return undefined;
  if (!isMapping(token)) return { group: text.text(token), cancelInProgress: false };
  const concurrency: Concurrency = { group: "", cancelInProgress: false };
  for (const [key, value] of entries(token)) {
    if (key === "group") concurrency.group = text.text(value);
    else if (key === "cancel-in-progress") {
      if (isBoolean(value)) concurrency.cancelInProgress = value.value;
      else if (isString(value)) concurrency.cancelInProgress = value.value === "true";
      else concurrency.cancelInProgressExpression = unwrapExpression(text.text(value));
    }
  }
  return concurrency;
}
