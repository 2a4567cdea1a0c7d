/**
 * Where a repository keeps the workflows Flotilla runs, and the files in it: what `flotilla
 * validate` checks and `flotilla run` plans when no file is named, and which one a name given
 * to `flotilla run --workflow` means.
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";

export const WORKFLOW_DIR = ".flotilla/workflows";

/** The `.yml`/`.yaml` files in WORKFLOW_DIR under `root`, by name, as paths relative to `root`. */
export async function workflowFiles(root: string): Promise<string[]> {
  const names = await readdir(join(root, WORKFLOW_DIR)).catch(() => [] as string[]);
  return names
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => `${WORKFLOW_DIR}/${name}`);
}

/**
 * `--workflow` as typed: a bare name (`ci.yml`, or `ci`) is a file in WORKFLOW_DIR; a path
 * (or a bare name that is no workflow but a file here) is used as it is. Paths come back
 * relative to `root`; an unknown name is an error listing the workflows there are.
 */
export async function resolveWorkflowFile(
  root: string,
  cwd: string,
  given: string,
): Promise<{ ok: true; path: string } | { ok: false; reason: string }> {
  const asPath = relative(root, resolve(cwd, given));
  if (!given.includes("/")) {
    const known = await workflowFiles(root);
    const wanted = [given, `${given}.yml`, `${given}.yaml`].map((name) => `${WORKFLOW_DIR}/${name}`);
    const found = known.find((path) => wanted.includes(path));
    if (found) return { ok: true, path: found };
    if (await isFile(join(root, asPath))) return { ok: true, path: asPath };
    const names = known.map((path) => path.slice(WORKFLOW_DIR.length + 1));
    return {
      ok: false,
      reason: `no workflow "${given}" in ${WORKFLOW_DIR}${names.length > 0 ? ` (there: ${names.join(", ")})` : " (it has no .yml files)"}`,
    };
  }
  return { ok: true, path: asPath };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
}
