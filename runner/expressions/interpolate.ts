/** Templates (`run:`, `name:`, `env:` values) are rendered as the bot renders them: protocol/expressions. */
export { hasExpression, interpolate } from "../../protocol/expressions/index.ts";
