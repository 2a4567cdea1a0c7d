/**
 * GitHub Actions expressions, shared by the bot and the runner so that both read `${{ }}`
 * and `if:` the same way. Only this folder touches `@actions/expressions`.
 */
export { ExpressionError, UnknownContext } from "./errors.ts";
export { evaluate, type ExpressionFunction, type ExpressionFunctions } from "./evaluate.ts";
export { hasExpression, splitTemplate } from "./template.ts";
export { renderValue } from "./render.ts";
export { isTruthy } from "./truthy.ts";
export { evaluateTemplate, interpolate } from "./interpolate.ts";
export { conditionExpression, evaluateCondition } from "./condition.ts";
export { booleanField, numberField } from "./typed-field.ts";
export { statusFunctions, type StatusState } from "./status-functions.ts";
export type { Contexts } from "./values.ts";
