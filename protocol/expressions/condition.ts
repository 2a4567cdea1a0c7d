/**
 * An `if:` (a job's, decided by the planner; a step's, by the runner) as GitHub reads it
 * (https://docs.github.com/actions/using-jobs/using-conditions-to-control-job-execution):
 * `${{ }}` around the whole condition is optional, and a condition that calls none of the
 * status functions is implicitly `success() && (condition)`.
 */
import { Lexer } from "@actions/expressions";
import { TokenType } from "@actions/expressions/lexer";
import { evaluate, type ExpressionFunctions } from "./evaluate.ts";
import { interpolate } from "./interpolate.ts";
import { isWholeExpression, splitTemplate } from "./template.ts";
import { isTruthy } from "./truthy.ts";
import type { Contexts } from "./values.ts";

const STATUS_FUNCTIONS = new Set(["success", "failure", "always", "cancelled"]);

/** The expression GitHub evaluates for `if: condition` (undefined/empty → `success()`). */
export function conditionExpression(condition: string | undefined): string {
  const text = unwrap(condition?.trim() ?? "");
  if (text === "") return "success()";
  return callsStatusFunction(text) ? text : `success() && (${text})`;
}

/**
 * Whether the condition holds; `functions` must define the status functions (see
 * status-functions.ts). Throws ExpressionError.
 */
export function evaluateCondition(
  condition: string | undefined,
  contexts: Contexts,
  functions: ExpressionFunctions,
): boolean {
  const text = condition?.trim() ?? "";
  // Text around a `${{ }}` makes the condition a template whose string is tested, as on GitHub.
  if (text !== "" && !isWholeExpression(text))
    return isTruthy(interpolate(text, contexts, functions)) && isTruthy(evaluate("success()", contexts, functions));
  return isTruthy(evaluate(conditionExpression(text), contexts, functions));
}

function unwrap(text: string): string {
  if (!isWholeExpression(text)) return text;
  const [part] = splitTemplate(text);
  return part?.kind === "expression" ? part.expression : text;
}

/** A call, found by tokens: `'success()'` inside a string is not one. */
function callsStatusFunction(expression: string): boolean {
  let tokens: ReturnType<Lexer["lex"]>["tokens"];
  try {
    ({ tokens } = new Lexer(expression).lex());
  } catch {
    // The evaluation that follows reports the lexer's error with its message.
    return false;
  }
  return tokens.some(
    (token, i) =>
      token.type === TokenType.IDENTIFIER &&
      STATUS_FUNCTIONS.has(token.lexeme.toLowerCase()) &&
      tokens[i + 1]?.type === TokenType.LEFT_PAREN,
  );
}
