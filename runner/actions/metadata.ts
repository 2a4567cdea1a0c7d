/**
 * An action's `action.yml` (or `action.yaml`), read with a permissive schema: only the fields
 * Flotilla uses, everything else (branding, author…) ignored, as GitHub's runner does
 * (https://docs.github.com/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { ActionError } from "./errors.ts";

/** YAML scalars (`default: 3`, `required: true`) as the strings GitHub turns them into. */
const Scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const ActionInput = z
  .object({
    description: z.string().optional(),
    required: z.union([z.boolean(), z.string()]).optional(),
    default: Scalar.optional(),
  })
  .passthrough();

const ActionOutput = z.object({ description: z.string().optional(), value: Scalar.optional() }).passthrough();

/** A composite action's step: the fields of a job's step that a composite may use. */
export const CompositeStep = z
  .object({
    id: z.string().optional(),
    name: z.string().optional(),
    if: z.union([z.string(), z.boolean()]).transform(String).optional(),
    run: z.string().optional(),
    shell: z.string().optional(),
    uses: z.string().optional(),
    with: z.record(Scalar).optional(),
    env: z.record(Scalar).optional(),
    "working-directory": z.string().optional(),
    "continue-on-error": z.union([z.boolean(), z.string()]).optional(),
  })
  .passthrough();
export type CompositeStep = z.infer<typeof CompositeStep>;

export const ActionMetadata = z
  .object({
    name: z.string().optional(),
    inputs: z.record(ActionInput.nullable().transform((v) => v ?? {})).optional(),
    outputs: z.record(ActionOutput.nullable().transform((v) => v ?? {})).optional(),
    runs: z
      .object({
        using: z.string(),
        main: z.string().optional(),
        pre: z.string().optional(),
        post: z.string().optional(),
        "pre-if": z.string().optional(),
        "post-if": z.string().optional(),
        steps: z.array(CompositeStep).optional(),
        image: z.string().optional(),
      })
      .passthrough(),
  })
  .passthrough();
export type ActionMetadata = z.infer<typeof ActionMetadata>;

/** Throws ActionError when neither file is there or the file is not an action's metadata. */
export async function readActionMetadata(dir: string, what: string): Promise<ActionMetadata> {
  for (const file of ["action.yml", "action.yaml"]) {
    const text = await readFile(join(dir, file), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    let data: unknown;
    try {
      data = parse(text);
    } catch (error) {
      throw new ActionError(`${what}: ${file} is not valid YAML: ${(error as Error).message}`);
    }
    const result = ActionMetadata.safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ActionError(
        `${what}: ${file} is not valid action metadata: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
      );
    }
    return result.data;
  }
  throw new ActionError(`${what}: can't find 'action.yml' or 'action.yaml' in ${dir}`);
}

/** JavaScript actions: every `nodeNN` GitHub has offered, all run with the runner's own Node. */
export function isNodeAction(metadata: ActionMetadata): boolean {
  return /^node\d+$/i.test(metadata.runs.using);
}

export function isDockerAction(metadata: ActionMetadata): boolean {
  return metadata.runs.using.toLowerCase() === "docker";
}

export function isCompositeAction(metadata: ActionMetadata): boolean {
  return metadata.runs.using.toLowerCase() === "composite";
}
