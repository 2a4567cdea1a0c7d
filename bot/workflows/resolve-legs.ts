/**
 * A job's matrix legs for one run: the legs expanded at parse time, or a matrix given as an
 * expression (`${{ fromJSON(…) }}`) or holding expressions, evaluated now and expanded with
 * GitHub's rules. `[null]` for a job without a matrix.
 */
import { evaluateTemplate, UnknownContext, type Contexts } from "./evaluate-template.ts";
import { expandMatrix, type Leg } from "./expand-matrix.ts";
import { refusalMessage, unsupportedStrategyFromNeeds } from "./unsupported.ts";
import type { WorkflowJob } from "./workflow.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";

export type Legs = Result<(Leg | null)[]>;

/**
 * Whether a template may read the `needs` context (a string that merely says `needs.` counts
 * too: such a field is decided later, with the same result).
 */
export function readsNeeds(text: string): boolean {
  return /\bneeds\s*[.[]/.test(text);
}

export function resolveLegs(job: WorkflowJob, contexts: Contexts, unknown: ReadonlySet<string>): Legs {
  const strategy = job.strategy;
  if (!strategy) return ok([null]);
  const written = strategy.expression !== undefined ? `\${{ ${strategy.expression} }}` : strategy.matrixTemplate;
  if (written === undefined) return ok(strategy.legs.length > 0 ? strategy.legs : [null]);
  // Outputs of `needs` exist only once those jobs ran; the planner expands matrices up front.
  if (readsNeeds(JSON.stringify(written))) return fail(refusalMessage(unsupportedStrategyFromNeeds("matrix")));
  let matrix: unknown;
  try {
    matrix = evaluateDeep(written, contexts, unknown);
  } catch (error) {
    // Not known yet (validate): one job stands for the legs the run will have.
    if (error instanceof UnknownContext) return ok([null]);
    return fail(`the matrix cannot be evaluated: ${(error as Error).message}`);
  }
  if (!matrix || typeof matrix !== "object" || Array.isArray(matrix))
    return fail("the matrix must evaluate to a mapping");
  return expandMatrix(matrix as Record<string, unknown>);
}

/** Every string holding `${{ }}` in a matrix as written, evaluated (a whole expression keeps its type). */
function evaluateDeep(value: unknown, contexts: Contexts, unknown: ReadonlySet<string>): unknown {
  if (typeof value === "string") return value.includes("${{") ? evaluateTemplate(value, contexts, unknown) : value;
  if (Array.isArray(value)) return value.flatMap((item) => spread(item, evaluateDeep(item, contexts, unknown)));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluateDeep(item, contexts, unknown)]));
  }
  return value;
}

/** `include: [ ${{ fromJSON(x) }} ]`-style items that evaluate to a list stand for its items, as on GitHub. */
function spread(written: unknown, value: unknown): unknown[] {
  return typeof written === "string" && Array.isArray(value) && written.trim().startsWith("${{") ? value : [value];
}
