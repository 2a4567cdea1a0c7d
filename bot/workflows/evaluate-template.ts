/**
 * `${{ }}` at plan time (job names, runs-on, matrices), through the expressions shared with
 * the runner (protocol/expressions), so functions, coercions and rendering are GitHub's and
 * the runner's.
 */
import {
  evaluateTemplate as evaluateShared,
  hasExpression,
  renderValue,
  type Contexts,
} from "../../protocol/expressions/index.ts";

export { UnknownContext, type Contexts } from "../../protocol/expressions/index.ts";

/** Whether the text holds `${{` (an unclosed one too: evaluating it reports GitHub's error). */
export const hasTemplate = hasExpression;

/** A value written into a string as GitHub writes it: null is empty, objects and arrays are JSON. */
export const asString = renderValue;

/**
 * Text with `${{ }}`: a value that is one expression keeps its type (a list for `runs-on`, an
 * object for a matrix); otherwise the parts are joined as strings. Reading a context in
 * `unknown` throws UnknownContext; anything else wrong throws ExpressionError.
 */
export function evaluateTemplate(text: string, contexts: Contexts, unknown?: ReadonlySet<string>): unknown {
  return evaluateShared(text, contexts, {}, unknown);
}
