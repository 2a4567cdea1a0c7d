/**
 * Templates: strings with `${{ expression }}` parts, as in `run:`, `name:`, `env:` values.
 * Each part is evaluated and rendered the way GitHub renders it into a string.
 */
import { ExpressionError, evaluateData, renderData, type Contexts, type ExpressionFunctions } from "./evaluate.ts";

export type TemplatePart = { kind: "text"; text: string } | { kind: "expression"; expression: string };

export function hasExpression(text: string): boolean {
  return text.includes("${{");
}

/** Replaces every `${{ … }}` in `template`. Throws ExpressionError. */
export function interpolate(template: string, contexts: Contexts, functions: ExpressionFunctions = {}): string {
  if (!hasExpression(template)) return template;
  return splitTemplate(template)
    .map((part) => (part.kind === "text" ? part.text : renderData(evaluateData(part.expression, contexts, functions))))
    .join("");
}

/**
 * Splits a template at its `${{ … }}` parts. A `}}` inside a quoted string ('…', with ''
 * for a quote) does not close the expression, as in GitHub's template reader.
 */
export function splitTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let index = 0;
  while (index < template.length) {
    const open = template.indexOf("${{", index);
    if (open < 0) {
      parts.push({ kind: "text", text: template.slice(index) });
      break;
    }
    if (open > index) parts.push({ kind: "text", text: template.slice(index, open) });
    const close = closingBraces(template, open + 3);
    if (close < 0) throw new ExpressionError(`The expression is not closed. An unescaped \${{ sequence was found, but the closing }} sequence was not found.`, template.slice(open));
    parts.push({ kind: "expression", expression: template.slice(open + 3, close).trim() });
    index = close + 2;
  }
  return parts;
}

function closingBraces(text: string, from: number): number {
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === "'") inString = !inString;
    else if (!inString && char === "}" && text[i + 1] === "}") return i;
  }
  return -1;
}
