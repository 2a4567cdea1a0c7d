/**
 * What the workflow suites share: a workflow's triggers from a few lines of `on:`, and a
 * reusable workflow with the in-memory repositories its callers read it from.
 */
import { repoRef, type RepoRef } from "../../../bot/runs/repo-ref.ts";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";
import type { Triggers } from "../../../bot/workflows/workflow.ts";

/** The triggers of a workflow whose `on:` is `text` (starting with a newline for a map). */
export async function triggersOf(text: string): Promise<Triggers> {
  const result = await parseWorkflow("ci.yml", `on:${text}\njobs:\n  a:\n    runs-on: x\n    steps: [{ run: x }]\n`);
  if (!result.ok) throw new Error(JSON.stringify(result.reason));
  return result.value.on;
}

/**
 * A job `key` (on label `x`, one step) whose strategy is only its matrix: `matrix` is what
 * follows `matrix:` (a value after a space, or a map starting with a newline).
 */
export function matrixJob(key: string, matrix: string): string {
  return `  ${key}:\n    runs-on: x\n    strategy:\n      matrix:${matrix}\n    steps: [{ run: x }]\n`;
}

export const REPO = repoRef("acme/app");
export const SHA = "0123456789abcdef0123456789abcdef01234567";

/** A reusable workflow: inputs, an output from its `package` job, two jobs. */
export const BUILD = `on:
  workflow_call:
    inputs:
      target: { type: string, required: true }
      level: { type: number, default: 2 }
      strip: { type: boolean }
    outputs:
      artifact-name:
        value: \${{ jobs.package.outputs.name }}
jobs:
  compile:
    name: Compile for \${{ inputs.target }}
    runs-on: [self-hosted, "\${{ inputs.target }}"]
    steps: [{ run: make }]
  package:
    needs: compile
    runs-on: self-hosted
    outputs:
      name: \${{ steps.p.outputs.name }}
    steps: [{ id: p, run: echo }]
`;

/** Files by `owner/repo:path@ref`; the caller's own repository is read at SHA. */
export function files(entries: Record<string, string>) {
  return {
    async readFile(repo: RepoRef, path: string, ref: string) {
      return entries[`${repo.fullName}:${path}@${ref}`];
    },
  };
}
