/**
 * Where `flotilla run` keeps what the fleet keeps in NATS: artifacts and caches in
 * directories under the repository's `.flotilla/` (so a second run restores the first run's
 * cache, as act's cache server does), and fetched actions in the user's cache directory,
 * shared by every repository. The store folders ignore themselves (a `.gitignore` of `*`),
 * so they never show in `git status` nor get copied into a job's workspace.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ArchiveStore, ObjectStoreAccess } from "../../protocol/object-stores.ts";
import { sharedActionsDir } from "../../runner/local-job.ts";
import { directoryStore } from "./directory-store.ts";

export const ARTIFACTS_DIR = ".flotilla/artifacts";
const CACHE_DIR = ".flotilla/cache";
/** Artifacts are kept per namespace on the fleet; this machine is one namespace of its own. */
const LOCAL_NAMESPACE = "local";

export function localStores(root: string): ObjectStoreAccess {
  const open = (relative: string, bucket: string): (() => Promise<ArchiveStore>) => {
    const dir = join(root, relative);
    let made: Promise<void> | undefined;
    return async () => {
      made ??= mkdir(dir, { recursive: true }).then(() =>
        writeFile(join(dir, ".gitignore"), "# Written by flotilla run: nothing here belongs in git.\n*\n", {
          flag: "wx",
        }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "EEXIST") throw error;
        }),
      );
      await made;
      return directoryStore(dir, bucket);
    };
  };
  return {
    namespace: LOCAL_NAMESPACE,
    artifacts: open(ARTIFACTS_DIR, "flotilla-artifacts"),
    cache: open(CACHE_DIR, "flotilla-cache"),
  };
}

/** `$XDG_CACHE_HOME/flotilla/actions`, else `~/.cache/flotilla/actions`. */
export function actionCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || join(homedir(), ".cache");
  return join(base, "flotilla", "actions");
}

/**
 * Points the run's scratch work dir at the action cache: the runner's fetcher keeps actions
 * in its work dir's shared actions folder, and here that folder outlives the run.
 */
export async function linkActionCache(workDir: string, cacheDir: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  await symlink(cacheDir, sharedActionsDir(workDir), "dir");
}
