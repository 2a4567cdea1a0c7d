/**
 * `jobs.<id>.strategy`: a literal matrix is expanded here, once, into GitHub's leg order; a
 * matrix that holds `${{ }}`, and `fail-fast`/`max-parallel` given as expressions, are kept for
 * `expandJobs`, which knows the run's contexts.
 */
import { isBasicExpression, isBoolean, isMapping, isNumber } from "@actions/workflow-parser";
import type { TemplateToken } from "@actions/workflow-parser/templates/tokens/index";
import { expandMatrix } from "./expand-matrix.ts";
import { entries, positionOf, problemAt, type TokenText, unwrapExpression } from "./token-text.ts";
import { unsupportedStrategyExpression } from "./unsupported.ts";
import type { JobRefusal, Strategy, WorkflowProblem } from "./workflow.ts";

export function readStrategy(
  token: TemplateToken,
  text: TokenText,
  problems: WorkflowProblem[],
  refusals: JobRefusal[],
): Strategy {
  const strategy: Strategy = { legs: [], failFast: true };
  if (!isMapping(token)) {
    refusals.push({ ...unsupportedStrategyExpression(), ...positionOf(token) });
    return strategy;
  }
  for (const [key, value] of entries(token)) {
    if (key === "matrix") readMatrix(value, strategy, text, problems);
    else if (key === "fail-fast") {
      if (isBoolean(value)) strategy.failFast = value.value;
      else strategy.failFastExpression = unwrapExpression(text.text(value));
    } else if (key === "max-parallel") {
      if (isNumber(value)) strategy.maxParallel = value.value;
      else strategy.maxParallelExpression = unwrapExpression(text.text(value));
    }
  }
  return strategy;
}

function readMatrix(token: TemplateToken, strategy: Strategy, text: TokenText, problems: WorkflowProblem[]): void {
  if (isBasicExpression(token)) {
    strategy.expression = unwrapExpression(text.text(token));
    return;
  }
  const matrix = text.plain(token) as Record<string, unknown>;
  if (holdsExpression(matrix)) {
    strategy.matrixTemplate = matrix;
    return;
  }
  const expanded = expandMatrix(matrix);
  if (!expanded.ok) problems.push(problemAt(token, expanded.reason));
  else strategy.legs = expanded.value;
}

function holdsExpression(value: unknown): boolean {
  if (typeof value === "string") return value.includes("${{");
  if (Array.isArray(value)) return value.some(holdsExpression);
  if (value && typeof value === "object") return Object.values(value).some(holdsExpression);
  return false;
}
