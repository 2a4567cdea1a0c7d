/**
 * One entry under `jobs:` into a WorkflowJob, from the tokens GitHub's parser validated.
 * Unsupported keys are named at their line (see unsupported.ts); everything else is kept as
 * written for the planner and runner to evaluate.
 */
import { isBoolean, isMapping, isNumber, isSequence, isString } from "@actions/workflow-parser";
import type { MappingToken, TemplateToken } from "@actions/workflow-parser/templates/tokens/index";
import { readConcurrency, readDefaults } from "./read-settings.ts";
import { readSteps, stringMap } from "./read-steps.ts";
import { readStrategy } from "./read-strategy.ts";
import { entries, find, positionOf, problemAt, type TokenText, unwrapExpression } from "./token-text.ts";
import { unsupportedEnvironmentExpression, unsupportedJobKey, unsupportedRunsOnGroup } from "./unsupported.ts";
import type { WorkflowCall, WorkflowJob, WorkflowProblem } from "./workflow.ts";

/** GitHub's default job timeout. */
const DEFAULT_TIMEOUT_MINUTES = 360;

export function readJob(
  keyToken: TemplateToken,
  id: string,
  mapping: MappingToken,
  text: TokenText,
  problems: WorkflowProblem[],
): WorkflowJob {
  const job: WorkflowJob = {
    key: id,
    name: id,
    needs: [],
    if: "success()",
    runsOn: [],
    env: {},
    defaults: {},
    timeoutMinutes: DEFAULT_TIMEOUT_MINUTES,
    continueOnError: false,
    outputs: {},
    steps: [],
    position: positionOf(keyToken),
  };
  for (const [key, value, keyOf] of entries(mapping)) {
    const refusal = unsupportedJobKey(id, key);
    if (refusal) {
      problems.push(problemAt(keyOf, refusal));
      continue;
    }
    switch (key) {
      case "name":
        job.name = text.text(value) || id;
        break;
      case "needs":
        job.needs = isSequence(value) ? [...value].map((item) => text.text(item)) : [text.text(value)];
        break;
      case "if":
        job.if = unwrapExpression(text.text(value)) || "success()";
        break;
      case "runs-on":
        job.runsOn = runsOn(value, text, problems);
        break;
      case "env":
        job.env = stringMap(value, text);
        break;
      case "defaults":
        job.defaults = readDefaults(value, text);
        break;
      case "timeout-minutes":
        if (isNumber(value)) job.timeoutMinutes = value.value;
        else job.timeoutMinutesExpression = unwrapExpression(text.text(value));
        break;
      case "continue-on-error":
        if (isBoolean(value)) job.continueOnError = value.value;
        else job.continueOnErrorExpression = unwrapExpression(text.text(value));
        break;
      case "outputs":
        job.outputs = stringMap(value, text);
        break;
      case "strategy":
        job.strategy = readStrategy(id, value, text, problems);
        break;
      case "concurrency":
        job.concurrency = readConcurrency(value, text);
        break;
      case "steps":
        job.steps = readSteps(value, text, problems);
        break;
      case "environment": {
        const environment = readEnvironment(value, text);
        if (environment.name.includes("${{")) problems.push(problemAt(keyOf, unsupportedEnvironmentExpression(id)));
        else if (environment.name) job.environment = environment;
        break;
      }
      case "uses":
        job.call = { ...(job.call ?? emptyCall()), uses: text.text(value).trim(), position: positionOf(keyOf) };
        break;
      case "with":
        (job.call ??= emptyCall()).with = callWith(value, text);
        break;
      case "secrets":
        (job.call ??= emptyCall()).secrets = isMapping(value)
          ? stringMap(value, text)
          : text.text(value) === "inherit"
            ? "inherit"
            : {};
        break;
    }
  }
  // `with:`/`secrets:` without `uses:` are GitHub's parser's to refuse; only a call is a call.
  if (job.call && !job.call.uses) delete job.call;
  return job;
}

/** `environment: production` or `environment: {name: production, url: …}`; the url is kept as written. */
function readEnvironment(token: TemplateToken, text: TokenText): { name: string; url?: string } {
  if (!isMapping(token)) return { name: text.text(token).trim() };
  const name = find(token, "name");
  const url = find(token, "url");
  return { name: name ? text.text(name).trim() : "", ...(url ? { url: text.text(url) } : {}) };
}

function emptyCall(): WorkflowCall {
  return { uses: "", with: {}, secrets: {}, position: { line: 1, column: 1 } };
}

/** `with:` of a call: literals keep their type, strings (with `${{ }}` or not) are kept as written. */
function callWith(token: TemplateToken, text: TokenText): WorkflowCall["with"] {
  const values: WorkflowCall["with"] = {};
  if (!isMapping(token)) return values;
  for (const [key, value] of entries(token))
    values[key] = isNumber(value) || isBoolean(value) ? value.value : isString(value) ? value.value : text.text(value);
  return values;
}

/** `runs-on`: a label, a list of labels, or `{ labels }`; entries may hold `${{ }}`. */
function runsOn(token: TemplateToken, text: TokenText, problems: WorkflowProblem[]): string[] {
  if (isSequence(token)) return [...token].map((item) => text.text(item));
  if (!isMapping(token)) return [text.text(token)];
  const labels: string[] = [];
  for (const [key, value, keyOf] of entries(token)) {
    if (key === "group") problems.push(problemAt(keyOf, unsupportedRunsOnGroup()));
    else if (key === "labels")
      labels.push(...(isSequence(value) ? [...value].map((item) => text.text(item)) : [text.text(value)]));
  }
  return labels;
}
