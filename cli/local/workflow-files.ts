/**
 * Where a repository keeps the workflows Flotilla runs, and the files in it: what `flotilla
 * validate` checks and `flotilla run` plans when no file is named.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export const WORKFLOW_DIR = ".flotilla/workflows";

/** The `.yml`/`.yaml` files in WORKFLOW_DIR under `root`, by name, as paths relative to `root`. */
export async function workflowFiles(root: string): Promise<string[]> {
  const names = await readdir(join(root, WORKFLOW_DIR)).catch(() => [] as string[]);
  return names
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => `${WORKFLOW_DIR}/${name}`);
}
