/**
 * What the built-in actions share: their result shape, input readers that answer bad values
 * the way the real actions do, and the refusal when no object store is reachable.
 */
import type { ObjectStoreAccess } from "../../../protocol/object-stores.ts";
import type { StepRun, StepRunContext } from "../../step/run-process.ts";

export type ActionResult = Omit<StepRun, "startedAt" | "completedAt">;

export class InputError extends Error {
  override name = "InputError";
}

export function failed(message: string, outputs: Record<string, string> = {}): ActionResult {
  return { outcome: "failure", message, outputs };
}

export function succeeded(outputs: Record<string, string> = {}): ActionResult {
  return { outcome: "success", outputs };
}

/** The stores, or why this action cannot run here (a runner given no artifact and cache stores). */
export function storesOf(context: StepRunContext, action: string): ObjectStoreAccess | string {
  return context.stores ?? `${action} needs the artifact and cache stores, and this runner has none`;
}

/** `true`/`false` as `core.getBooleanInput` reads them (YAML 1.2 core schema); empty is `fallback`. */
export function booleanInput(inputs: Record<string, string>, name: string, fallback = false): boolean {
  const value = (inputs[name] ?? "").trim();
  if (value === "") return fallback;
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  throw new InputError(
    `Input does not meet YAML 1.2 "Core Schema" specification: ${name}\nSupport boolean input list: \`true | True | TRUE | false | False | FALSE\``,
  );
}

export function requiredInput(inputs: Record<string, string>, name: string): string {
  const value = (inputs[name] ?? "").trim();
  if (value === "") throw new InputError(`Input required and not supplied: ${name}`);
  return value;
}

/** The major version of `uses: x@v4` (`v4.1.0`, `v4`); refs that are not versions count as the newest. */
export function majorVersion(ref: string): number {
  const match = /^v?(\d+)/.exec(ref);
  return match ? Number(match[1]) : Number.POSITIVE_INFINITY;
}

/**
 * Runs `body`; a bad input, a tar failure or an unreachable store fails the step with the
 * reason instead of failing the whole job as a runner error.
 */
export async function guarded(action: string, body: () => Promise<ActionResult>): Promise<ActionResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof InputError) return failed(error.message);
    return failed(`${action}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
