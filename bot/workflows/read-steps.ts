/**
 * `jobs.<id>.steps` into the protocol's JobStep. Text is kept as written (`${{ }}` included);
 * the runner evaluates it with the contexts only it has (`steps`, `runner`, `env`).
 */
import { isBoolean, isMapping, isNumber, isSequence } from "@actions/workflow-parser";
import type { MappingToken, TemplateToken } from "@actions/workflow-parser/templates/tokens/index";
import type { JobStep } from "../../protocol/messages.ts";
import { entries, positionOf, type TokenText, unwrapExpression } from "./token-text.ts";
import { unsupportedUses } from "./unsupported.ts";
import type { JobRefusal } from "./workflow.ts";

/** The steps; a docker action is one of the job's refusals. */
export function readSteps(token: TemplateToken | undefined, text: TokenText, refusals: JobRefusal[]): JobStep[] {
  if (!token || !isSequence(token)) return [];
  const steps: JobStep[] = [];
  for (const item of token) {
    if (!isMapping(item)) continue;
    const step = readStep(item, text, refusals);
    if (step) steps.push(step);
  }
  return steps;
}

/** The keys whose text is kept as written, and the JobStep field each one fills. */
const TEXT_FIELDS = {
  id: "id",
  name: "name",
  run: "run",
  shell: "shell",
  "working-directory": "workingDirectory",
} as const satisfies Record<string, keyof JobStep>;

function readStep(mapping: MappingToken, text: TokenText, refusals: JobRefusal[]): JobStep | undefined {
  const step: JobStep = { name: "", with: {}, env: {}, continueOnError: false };
  let usesToken: TemplateToken | undefined;
  for (const [key, value] of entries(mapping)) {
    switch (key) {
      case "id":
      case "name":
      case "run":
      case "shell":
      case "working-directory":
        step[TEXT_FIELDS[key]] = text.text(value);
        break;
      case "with":
      case "env":
        step[key] = stringMap(value, text);
        break;
      case "if":
        step.if = unwrapExpression(text.text(value));
        break;
      case "uses":
        step.uses = text.text(value);
        usesToken = value;
        break;
      case "timeout-minutes":
        // An expression is decided by the runner as the step is about to run (it may read `steps`).
        if (isNumber(value)) step.timeoutMinutes = value.value;
        else step.timeoutMinutesExpression = unwrapExpression(text.text(value));
        break;
      case "continue-on-error":
        if (isBoolean(value)) step.continueOnError = value.value;
        else step.continueOnErrorExpression = unwrapExpression(text.text(value));
        break;
    }
  }
  if (step.uses !== undefined) {
    const refusal = unsupportedUses(step.uses);
    if (refusal) refusals.push({ ...refusal, ...positionOf(usesToken) });
  }
  // GitHub's default names: `Run <first line>` and `Run <action>`; a checkout step is kept so it
  // shows in the step table (the runner's built-in checkout has already done its work).
  step.name ||= step.run !== undefined ? `Run ${step.run.trim().split("\n")[0]}` : `Run ${step.uses ?? ""}`;
  return step;
}

/** `env:` and `with:` maps: every value becomes a string, as GitHub does. */
export function stringMap(token: TemplateToken | undefined, text: TokenText): Record<string, string> {
  const out: Record<string, string> = {};
  if (!token || !isMapping(token)) return out;
  for (const [key, value] of entries(token)) out[key] = text.text(value);
  return out;
}
