/**
 * Plain values ↔ the evaluator's data types. Everything outside protocol/expressions passes
 * plain JSON-like values in and gets them out, so no caller depends on the library's classes.
 */
import { data } from "@actions/expressions";

/** Plain values as they appear in contexts and results (JSON, plus `undefined` = absent). */
export type ExpressionValue = string | number | boolean | null | ExpressionValue[] | { [key: string]: ExpressionValue };

/** The named contexts (`github`, `env`, `steps`…): plain data. */
export type Contexts = Record<string, unknown>;

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

/** Library value → plain. Numbers stay numbers (NaN included: it is falsy, not null). */
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

/** The contexts as the evaluator's top-level dictionary (whose lookups ignore case, as GitHub's). */
export function toDictionary(contexts: Contexts): data.Dictionary {
  const dictionary = new data.Dictionary();
  for (const [name, value] of Object.entries(contexts)) dictionary.add(name, toData(value));
  return dictionary;
}
