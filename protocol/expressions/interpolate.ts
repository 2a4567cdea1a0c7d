/**
 * Evaluating templates: text with `${{ }}` parts. Where the text is a string (`run:`, `env:`)
 * every part is rendered into it; where a value may be any type (`runs-on:`, a matrix) a text
 * that is exactly one expression keeps its type, as on GitHub.
 */
import type { ExpressionFunctions } from "./evaluate.ts";
import { evaluate, evaluateData } from "./evaluate.ts";
import { renderData } from "./render.ts";
import { hasExpression, splitTemplate } from "./template.ts";
import type { Contexts, ExpressionValue } from "./values.ts";

/** The template as a string, every `${{ … }}` replaced. Throws ExpressionError (or UnknownContext). */
export function interpolate(
  template: string,
  contexts: Contexts,
  functions: ExpressionFunctions = {},
  unknown?: ReadonlySet<string>,
): string {
  if (!hasExpression(template)) return template;
  return splitTemplate(template)
    .map((part) =>
      part.kind === "text" ? part.text : renderData(evaluateData(part.expression, contexts, functions, unknown)),
    )
    .join("");
}

/** `${{ expr }}` alone → its value, of any type; anything else → `interpolate`'s string. */
export function evaluateTemplate(
  template: string,
  contexts: Contexts,
  functions: ExpressionFunctions = {},
  unknown?: ReadonlySet<string>,
): ExpressionValue {
  const parts = hasExpression(template) ? splitTemplate(template) : [];
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.kind === "expression") return evaluate(only.expression, contexts, functions, unknown);
  return interpolate(template, contexts, functions, unknown);
}
