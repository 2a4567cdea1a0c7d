/**
 * A field GitHub types as a number or a boolean (`timeout-minutes`, `continue-on-error`,
 * `max-parallel`, `fail-fast`) given as `${{ }}`: the value it evaluated to, checked and turned
 * into that type the same way by the bot (job fields) and the runner (step fields).
 */
import { ExpressionError } from "./errors.ts";
import { evaluateTemplate } from "./interpolate.ts";
import type { ExpressionFunctions } from "./evaluate.ts";
import type { Contexts } from "./values.ts";

/** `${{ expression }}` of a number field; a numeric string counts (what `fromJSON` of text gives is often one). */
export function numberField(
  expression: string,
  contexts: Contexts,
  functions: ExpressionFunctions = {},
  unknown?: ReadonlySet<string>,
): number {
  const value = evaluateTemplate(`\${{ ${expression} }}`, contexts, functions, unknown);
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number) || number <= 0)
    throw new ExpressionError(`expected a positive number, got ${JSON.stringify(value)}`, expression);
  return number;
}

/** `${{ expression }}` of a boolean field: true/false (or their strings); null and "" are false, as an unset value. */
export function booleanField(
  expression: string,
  contexts: Contexts,
  functions: ExpressionFunctions = {},
  unknown?: ReadonlySet<string>,
): boolean {
  const value = evaluateTemplate(`\${{ ${expression} }}`, contexts, functions, unknown);
  if (value === true || value === "true") return true;
  if (value === false || value === "false" || value === null || value === "") return false;
  throw new ExpressionError(`expected true or false, got ${JSON.stringify(value)}`, expression);
}
