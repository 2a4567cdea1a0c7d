/**
 * An action's inputs as GitHub's runner builds them: the step's `with:` values, then each
 * declared input's `default` (which may hold `${{ }}`, evaluated with the step's contexts) for
 * those not given. A required input that is missing and an input the action does not declare
 * are warnings, not failures, as on GitHub.
 */
import {
  ExpressionError,
  interpolate,
  type Contexts,
  type ExpressionFunctions,
} from "../../protocol/expressions/index.ts";
import { ActionError } from "./errors.ts";
import type { ActionMetadata } from "./metadata.ts";

export interface ActionInputs {
  /** For a composite's `inputs` context. */
  values: Record<string, string>;
  /** `INPUT_<NAME>` for a JavaScript action's process. */
  env: Record<string, string>;
}

export function actionInputs(
  metadata: ActionMetadata,
  given: Record<string, string>,
  scope: { contexts: Contexts; functions: ExpressionFunctions },
  warn: (message: string) => void,
): ActionInputs {
  const declared = metadata.inputs ?? {};
  const givenKey = new Map(Object.keys(given).map((key) => [key.toLowerCase(), key]));
  const values: Record<string, string> = {};
  for (const [name, input] of Object.entries(declared)) {
    const key = givenKey.get(name.toLowerCase());
    if (key !== undefined) {
      values[name] = given[key] ?? "";
      givenKey.delete(name.toLowerCase());
      continue;
    }
    if (input.default !== undefined) values[name] = evaluateDefault(name, input.default, scope);
    else if (String(input.required).toLowerCase() === "true") warn(`Input required and not supplied: ${name}`);
  }
  const unexpected = [...givenKey.values()];
  if (unexpected.length > 0) {
    warn(
      `Unexpected input(s) ${unexpected.map((k) => `'${k}'`).join(", ")}, valid inputs are [${Object.keys(declared)
        .map((k) => `'${k}'`)
        .join(", ")}]`,
    );
    // Still passed on, as GitHub's runner does: the action may read them anyway.
    for (const key of unexpected) values[key] = given[key] ?? "";
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) env[inputEnvName(name)] = value;
  return { values, env };
}

/** `node-version` → `INPUT_NODE-VERSION`, `my input` → `INPUT_MY_INPUT`, as @actions/core reads it. */
function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

function evaluateDefault(
  name: string,
  template: string,
  scope: { contexts: Contexts; functions: ExpressionFunctions },
): string {
  try {
    return interpolate(template, scope.contexts, scope.functions);
  } catch (error) {
    if (error instanceof ExpressionError)
      throw new ActionError(`Error evaluating the default of input '${name}': ${error.message}`);
    throw error;
  }
}
