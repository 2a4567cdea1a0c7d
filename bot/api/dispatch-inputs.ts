/**
 * A dispatch's inputs checked against the workflow's `on.workflow_dispatch.inputs`, as GitHub
 * checks them: unknown and missing required inputs, choices and booleans. Every problem is
 * listed; values become the strings GitHub passes (`github.event.inputs` holds strings).
 */
import type { DispatchInput } from "../workflows/workflow.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";

export type InputsResult = Result<Record<string, string>, string[]>;

export function checkInputs(declared: Record<string, DispatchInput>, given: Record<string, string>): InputsResult {
  const problems: string[] = [];
  const inputs: Record<string, string> = {};
  for (const name of Object.keys(given))
    if (!(name in declared)) problems.push(`Unexpected inputs provided: ["${name}"]`);
  for (const [name, input] of Object.entries(declared)) {
    const value = given[name] ?? (input.default === undefined ? undefined : String(input.default));
    if (value === undefined || value === "") {
      if (input.required) problems.push(`Required input '${name}' not provided`);
      continue;
    }
    if (input.type === "boolean" && value !== "true" && value !== "false")
      problems.push(`Provided value '${value}' for input '${name}' is not a boolean`);
    else if (input.type === "number" && !Number.isFinite(Number(value)))
      problems.push(`Provided value '${value}' for input '${name}' is not a number`);
    else if (input.type === "choice" && !(input.options ?? []).includes(value))
      problems.push(`Provided value '${value}' for input '${name}' not in the list of allowed values`);
    inputs[name] = value;
  }
  return problems.length > 0 ? fail(problems) : ok(inputs);
}
