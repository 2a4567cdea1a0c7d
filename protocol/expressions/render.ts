/**
 * A value written into a string by `${{ }}`: strings as they are, numbers in GitHub's form
 * (`1.50` → `1.5`, at most 15 digits), `true`/`false`, null → empty, and arrays and
 * objects as 2-space JSON, as the GitHub runner writes them. The runner's templates and
 * the planner's job names and labels both render here.
 */
import { data } from "@actions/expressions";
import { toData } from "./values.ts";

/** Renders a library value (what the evaluator returned). */
export function renderData(value: data.ExpressionData): string {
  if (value.primitive) return value.coerceString();
  return JSON.stringify(value, data.replacer, 2);
}

/** Renders a plain value (from `evaluate`, or context data such as a matrix value). */
export function renderValue(value: unknown): string {
  return renderData(toData(value));
}
