/**
 * A job's `if:`, decided when its needs are done, with GitHub's evaluator. As on GitHub a
 * condition without a status function means `success() && (…)`: a job whose needs failed is
 * skipped unless its `if` says `always()` or `failure()`.
 */
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { truthy } from "@actions/expressions/result";

export type NeedResult = "success" | "failure" | "cancelled" | "skipped";

export interface ConditionContexts {
  github: Record<string, unknown>;
  vars: Record<string, string>;
  inputs: Record<string, unknown>;
  needs: Record<string, { result: NeedResult; outputs: Record<string, string> }>;
  matrix: Record<string, unknown> | null;
  strategy: Record<string, unknown> | null;
}

export class ConditionError extends Error {
  override name = "ConditionError";
}

const STATUS_FUNCTION = /\b(success|failure|always|cancelled)\s*\(/;

export function shouldRun(condition: string, contexts: ConditionContexts, runCancelled = false): boolean {
  const results = Object.values(contexts.needs).map((n) => n.result);
  const failed = results.some((r) => r === "failure" || r === "cancelled");
  const status = (name: string, value: () => boolean): FunctionDefinition => ({ name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) });
  const functions = new Map<string, FunctionDefinition>([
    ["success", status("success", () => !failed && !runCancelled && results.every((r) => r === "success" || r === "skipped"))],
    ["failure", status("failure", () => failed)],
    ["always", status("always", () => true)],
    ["cancelled", status("cancelled", () => runCancelled)],
  ]);
  const text = unwrap(condition) || "success()";
  const expression = STATUS_FUNCTION.test(text) ? text : `success() && (${text})`;
  try {
    const lexed = new Lexer(expression).lex();
    const parsed = new Parser(lexed.tokens, ["github", "vars", "inputs", "needs", "matrix", "strategy", "env"], [...functions.values()]).parse();
    const dictionary = toData({ ...contexts, env: {} }) as data.Dictionary;
    return truthy(new Evaluator(parsed, dictionary, functions).evaluate());
  } catch (error) {
    throw new ConditionError(`the job's if: "${condition}" cannot be evaluated: ${(error as Error).message}`, { cause: error });
  }
}

function unwrap(condition: string): string {
  const trimmed = condition.trim();
  const match = /^\$\{\{([\s\S]*)\}\}$/.exec(trimmed);
  return (match ? match[1]! : trimmed).trim();
}

/** Plain JSON into the evaluator's data types, the way the library itself reads contexts. */
function toData(value: unknown): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}
