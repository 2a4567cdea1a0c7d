/** A step's `if:` reads as a job's does in the planner: protocol/expressions. */
export { conditionExpression, evaluateCondition } from "../../protocol/expressions/index.ts";
