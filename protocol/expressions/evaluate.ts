/**
 * One `${{ }}` expression, evaluated by GitHub's own evaluator (`@actions/expressions`) so
 * that what GitHub accepts we accept, with its functions, coercions and messages. The bot
 * (plan time, job `if:`) and the runner (steps) both evaluate here, so they cannot disagree.
 */
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";
import { TokenType, type Token } from "@actions/expressions/lexer";
import { ExpressionError, messageOf, UnknownContext } from "./errors.ts";
import { toData, toDictionary, toPlain, type Contexts, type ExpressionValue } from "./values.ts";

/** A function beyond GitHub's built-ins (`hashFiles`, `success`…), on plain values. */
export interface ExpressionFunction {
  minArgs: number;
  maxArgs: number;
  call(...args: ExpressionValue[]): ExpressionValue;
}

/** Extra functions by name (matched without regard to case, as GitHub's are). */
export type ExpressionFunctions = Record<string, ExpressionFunction>;

const NONE: ReadonlySet<string> = new Set();

/**
 * Evaluates one expression (the text inside `${{ }}`) to plain data. `unknown` names
 * contexts whose values are not known yet: reading one throws UnknownContext. Otherwise
 * throws ExpressionError.
 */
export function evaluate(
  expression: string,
  contexts: Contexts,
  functions: ExpressionFunctions = {},
  unknown: ReadonlySet<string> = NONE,
): ExpressionValue {
  return toPlain(evaluateData(expression, contexts, functions, unknown));
}

/** Like `evaluate`, but keeps the library's value, whose string form is GitHub's (numbers!). */
export function evaluateData(
  expression: string,
  contexts: Contexts,
  functions: ExpressionFunctions = {},
  unknown: ReadonlySet<string> = NONE,
): data.ExpressionData {
  const definitions = new Map<string, FunctionDefinition>();
  for (const [name, fn] of Object.entries(functions)) {
    definitions.set(name.toLowerCase(), {
      name,
      minArgs: fn.minArgs,
      maxArgs: fn.maxArgs,
      call: (...args) => toData(fn.call(...args.map(toPlain))),
    });
  }
  let tokens: Token[];
  try {
    ({ tokens } = new Lexer(expression).lex());
  } catch (cause) {
    throw new ExpressionError(messageOf(cause), expression, { cause });
  }
  // Before parsing: an expression that reads an unknown context is "not known yet" even if it is also broken.
  checkKnown(tokens, unknown);
  let tree: ReturnType<Parser["parse"]>;
  try {
    tree = new Parser(tokens, Object.keys(contexts), [...definitions.values()]).parse();
  } catch (cause) {
    throw new ExpressionError(messageOf(cause), expression, { cause });
  }
  // An empty expression parses to nothing; `${{ }}` is null.
  if (tree === undefined) return new data.Null();
  try {
    return new Evaluator(tree, toDictionary(contexts), definitions).evaluate() ?? new data.Null();
  } catch (cause) {
    if (cause instanceof ExpressionError) throw cause;
    throw new ExpressionError(messageOf(cause), expression, { cause });
  }
}

/** A context is read where its name is an identifier not after a `.` (`github.x`, not `x.github`). */
function checkKnown(tokens: readonly Token[], unknown: ReadonlySet<string>): void {
  if (unknown.size === 0) return;
  tokens.forEach((token, index) => {
    const name = token.lexeme.toLowerCase();
    if (token.type === TokenType.IDENTIFIER && unknown.has(name) && tokens[index - 1]?.type !== TokenType.DOT) {
      throw new UnknownContext(`${name} is not known yet`);
    }
  });
}
