/**
 * Evaluating `${{ }}` at plan time (job names, runs-on, matrices) with GitHub's own
 * expression library, so functions (`fromJSON`, `format`, `contains`…) and coercions are
 * GitHub's.
 */
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import { TokenType } from "@actions/expressions/lexer";

export type Contexts = Record<string, unknown>;

/**
 * Thrown when an expression reads a context that is not known yet (the `github` context at
 * `flotilla validate` time): the caller keeps the text as written instead of guessing.
 */
export class UnknownContext extends Error {
  override name = "UnknownContext";
}

type Part = { literal: string } | { expression: string };

/** Splits text into literal parts and `${{ }}` expressions; `}}` inside a '…' string does not close. */
export function splitTemplate(text: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("${{", i);
    if (open < 0) break;
    let inString = false;
    let close = -1;
    for (let j = open + 3; j < text.length; j++) {
      if (text[j] === "'") inString = !inString;
      else if (!inString && text[j] === "}" && text[j + 1] === "}") {
        close = j;
        break;
      }
    }
    if (close < 0) break;
    if (open > i) parts.push({ literal: text.slice(i, open) });
    parts.push({ expression: text.slice(open + 3, close).trim() });
    i = close + 2;
  }
  if (i < text.length) parts.push({ literal: text.slice(i) });
  return parts;
}

export function hasTemplate(text: string): boolean {
  return splitTemplate(text).some((part) => "expression" in part);
}

/** One expression's value as plain JSON data; throws on a syntax or evaluation error. */
export function evaluateExpression(expression: string, contexts: Contexts, unknown: ReadonlySet<string> = new Set()): unknown {
  const { tokens } = new Lexer(expression).lex();
  tokens.forEach((token, index) => {
    const name = token.lexeme.toLowerCase();
    if (token.type === TokenType.IDENTIFIER && unknown.has(name) && tokens[index - 1]?.type !== TokenType.DOT) {
      throw new UnknownContext(`${name} is not known yet`);
    }
  });
  const tree = new Parser(tokens, Object.keys(contexts), []).parse();
  const dictionary = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  const result = new Evaluator(tree, dictionary).evaluate();
  return JSON.parse(JSON.stringify(result, data.replacer) ?? "null") as unknown;
}

/**
 * Text with `${{ }}`: a value that is one expression keeps its type (a list for `runs-on`, an
 * object for a matrix); otherwise the parts are joined as strings, as GitHub's `format` does.
 */
export function evaluateTemplate(text: string, contexts: Contexts, unknown?: ReadonlySet<string>): unknown {
  const parts = splitTemplate(text);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only && "expression" in only) return evaluateExpression(only.expression, contexts, unknown);
  return parts.map((part) => ("literal" in part ? part.literal : asString(evaluateExpression(part.expression, contexts, unknown)))).join("");
}

/** GitHub's string coercion: null is empty, objects and arrays are JSON. */
export function asString(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
