/**
 * What an action's ref last resolved to on this machine, kept in the action cache beside the
 * commits it holds (`<owner>/<repo>/refs/<ref>`), so a job that cannot reach the server can
 * still run the tree it ran the last time — the one case where the cache answers for the server.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Written whole and renamed, so a reader never sees half of it. */
export async function rememberRef(repoDir: string, ref: string, commit: string): Promise<void> {
  const file = refFile(repoDir, ref);
  const partial = `${file}.partial-${randomBytes(4).toString("hex")}`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(partial, `${commit}\n`);
    await rename(partial, file);
  } catch {
    // Only the offline fallback needs it: a read-only cache still runs every job online.
    await rm(partial, { force: true }).catch(() => undefined);
  }
}

/** The remembered commit of `ref`, when its tree is in the cache too. */
export async function rememberedRef(repoDir: string, ref: string): Promise<{ commit: string; at: string } | undefined> {
  const file = refFile(repoDir, ref);
  const text = await readFile(file, "utf8").catch(() => "");
  const commit = text.trim();
  if (!/^[0-9a-f]{40}$/.test(commit) || !(await exists(join(repoDir, commit)))) return undefined;
  const at = (await stat(file)).mtime.toISOString();
  return { commit, at };
}

/** `refs/` cannot be a commit's 40 hex digits, so it never meets a cached tree. */
function refFile(repoDir: string, ref: string): string {
  return join(repoDir, "refs", encodeURIComponent(ref));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
