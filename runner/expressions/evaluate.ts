/** Expressions are shared with the bot (protocol/expressions); the runner's modules import them from here. */
export { evaluate, ExpressionError, isTruthy, type Contexts, type ExpressionFunction, type ExpressionFunctions, type ExpressionValue } from "../../protocol/expressions/index.ts";
