/**
 * `${{ }}` expressions, evaluated by GitHub's own evaluator (`@actions/expressions`) so that
 * what GitHub accepts we accept, with its messages. This module is the only one that
 * touches the library: everything else passes plain JSON-like values in and gets them out.
 */
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import type { FunctionDefinition } from "@actions/expressions/funcs/info";

/** Plain values as they appear in contexts and results (JSON, plus `undefined` = absent). */
export type ExpressionValue = string | number | boolean | null | ExpressionValue[] | { [key: string]: ExpressionValue };

/** The named contexts (`github`, `env`, `steps`…): plain data. */
export type Contexts = Record<string, unknown>;

/** A function beyond GitHub's built-ins (`hashFiles`, `success`…), on plain values. */
export interface ExpressionFunction {
  minArgs: number;
  maxArgs: number;
  call(...args: ExpressionValue[]): ExpressionValue;
}

export type ExpressionFunctions = Record<string, ExpressionFunction>;

/** Any problem with an expression: it does not parse, or evaluating it threw. */
export class ExpressionError extends Error {
  override name = "ExpressionError";
  constructor(
    message: string,
    readonly expression: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Evaluates one expression (the text inside `${{ }}`). Throws ExpressionError. */
export function evaluate(expression: string, contexts: Contexts, functions: ExpressionFunctions = {}): ExpressionValue {
  return toPlain(evaluateData(expression, contexts, functions));
}

/** Like `evaluate`, but keeps the library's value, whose string form is GitHub's (numbers!). */
export function evaluateData(expression: string, contexts: Contexts, functions: ExpressionFunctions = {}): data.ExpressionData {
  const definitions = new Map<string, FunctionDefinition>();
  for (const [name, fn] of Object.entries(functions)) {
    definitions.set(name.toLowerCase(), { name, minArgs: fn.minArgs, maxArgs: fn.maxArgs, call: (...args) => toData(fn.call(...args.map(toPlain))) });
  }
  let tree;
  try {
    const { tokens } = new Lexer(expression).lex();
    tree = new Parser(tokens, Object.keys(contexts), [...definitions.values()]).parse();
  } catch (cause) {
    throw new ExpressionError(messageOf(cause), expression, { cause });
  }
  // An empty expression parses to nothing; GitHub treats `${{ }}` as null.
  if (tree === undefined) return new data.Null();
  try {
    return new Evaluator(tree, toDictionary(contexts), definitions).evaluate() ?? new data.Null();
  } catch (cause) {
    if (cause instanceof ExpressionError) throw cause;
    throw new ExpressionError(messageOf(cause), expression, { cause });
  }
}

/** GitHub's truthiness: false, 0, -0, NaN, "" and null are falsy; objects and arrays are truthy. */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === "") return false;
  if (typeof value === "number") return value !== 0 && !Number.isNaN(value);
  return true;
}

/** Renders a value into a template the way GitHub does: null → "", objects → JSON. */
export function renderData(value: data.ExpressionData): string {
  if (value.primitive) return value.coerceString();
  return JSON.stringify(value, data.replacer, 2);
}

function toDictionary(contexts: Contexts): data.Dictionary {
  const dictionary = new data.Dictionary();
  for (const [name, value] of Object.entries(contexts)) dictionary.add(name, toData(value));
  return dictionary;
}

/** Plain → library value. `undefined` (an absent key) becomes null, as in GitHub. */
export function toData(value: unknown): data.ExpressionData {
  if (value === null || value === undefined) return new data.Null();
  if (typeof value === "string") return new data.StringData(value);
  if (typeof value === "number") return new data.NumberData(value);
  if (typeof value === "boolean") return new data.BooleanData(value);
  if (Array.isArray(value)) return new data.Array(...value.map(toData));
  if (typeof value === "object") {
    const dictionary = new data.Dictionary();
    for (const [key, item] of Object.entries(value)) if (item !== undefined) dictionary.add(key, toData(item));
    return dictionary;
  }
  return new data.StringData(String(value));
}

export function toPlain(value: data.ExpressionData): ExpressionValue {
  switch (value.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.String:
    case data.Kind.Number:
    case data.Kind.Boolean:
      return (value as data.StringData | data.NumberData | data.BooleanData).value;
    case data.Kind.Array:
      return (value as data.Array).values().map(toPlain);
    default: {
      const result: Record<string, ExpressionValue> = {};
      for (const pair of (value as data.Dictionary).pairs()) result[pair.key] = toPlain(pair.value);
      return result;
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
