/**
 * Splitting text (`run:`, `name:`, `runs-on:`, `env:` values…) at its `${{ … }}` parts, as
 * GitHub's template reader does:
 * - a `}}` inside a quoted string ('…', with '' for a quote) does not close the expression;
 * - a `${{` that is never closed is an error, with GitHub's message — not literal text. (The
 *   bot once kept such text as written; GitHub's workflow parser rejects it, so the planner
 *   never sees it from a parsed workflow, and the runner must refuse it.)
 */
import { ExpressionError } from "./errors.ts";

export type TemplatePart = { kind: "text"; text: string } | { kind: "expression"; expression: string };

/** Whether the text is a template at all (an unclosed `${{` counts: evaluating it reports the error). */
export function hasExpression(text: string): boolean {
  return text.includes("${{");
}

/** The text's literal and expression parts, in order; expressions are trimmed. Throws ExpressionError. */
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
    if (close < 0)
      throw new ExpressionError(
        `The expression is not closed. An unescaped \${{ sequence was found, but the closing }} sequence was not found.`,
        template.slice(open),
      );
    parts.push({ kind: "expression", expression: template.slice(open + 3, close).trim() });
    index = close + 2;
  }
  return parts;
}

/** Plain expression text, or `${{ expr }}` with nothing around it (as `if:` may be written). */
export function isWholeExpression(text: string): boolean {
  if (!text.startsWith("${{") || !text.endsWith("}}")) return !text.includes("${{");
  try {
    const parts = splitTemplate(text);
    return parts.length === 1 && parts[0]?.kind === "expression";
  } catch {
    return false;
  }
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
