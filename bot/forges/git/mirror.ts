/**
 * The bot's bare mirror of each followed repository, under DATA_DIR/git-mirrors: workflow files
 * are read from it (`git ls-tree`, `git show`) and git notes are written through it. A commit
 * the mirror lacks is fetched first (each new event's is), so it follows the repository as it is
 * now. Git calls on one mirror are queued one after another in this process (git locks refs);
 * another bot process has a mirror of its own.
 */
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { GIT_ENV } from "./ls-remote.ts";

export interface Mirror {
  dir: string;
  /** Runs git in the mirror, after every call queued before it; throws with git's stderr. */
  git(args: string[], input?: string): Promise<string>;
  /** Runs git as `git`, but answers undefined instead of throwing when git fails. */
  tryGit(args: string[], input?: string): Promise<string | undefined>;
  /** The file `path` at `rev` exactly as committed; undefined when there is none. */
  readBlob(rev: string, path: string): Promise<string | undefined>;
  /** Makes sure `rev` (a SHA or branch) is in the mirror, fetching the repository when it is not. */
  ensure(rev: string): Promise<boolean>;
}

export type Mirrors = (name: string, url: string) => Mirror;

export function gitMirrors(root: string): Mirrors {
  const made = new Map<string, Mirror>();
  return (name, url) => {
    const key = `${name}\0${url}`;
    let mirror = made.get(key);
    if (!mirror) {
      mirror = gitMirror(join(root, mirrorDirName(name)), url);
      made.set(key, mirror);
    }
    return mirror;
  };
}

/** A directory name for the repository's mirror: readable, and unique by a hash of the name. */
function mirrorDirName(name: string): string {
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 12);
  return `${name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(-80)}-${hash}.git`;
}

function gitMirror(dir: string, url: string): Mirror {
  let queue: Promise<unknown> = Promise.resolve();
  let ready: Promise<void> | undefined;
  const init = () => {
    ready ??= (async () => {
      await mkdir(dir, { recursive: true });
      await run(["init", "--quiet", "--bare"]);
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  const run = async (args: string[], input?: string, raw = false) => {
    const result = await execa("git", args, {
      cwd: dir,
      env: GIT_ENV,
      timeout: 120_000,
      stripFinalNewline: !raw,
      ...(input === undefined ? { stdin: "ignore" as const } : { input }),
    });
    return raw ? String(result.stdout) : String(result.stdout).trim();
  };
  const queued = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };
  const mirror: Mirror = {
    dir,
    git: (args, input) =>
      queued(async () => {
        await init();
        return run(args, input);
      }),
    tryGit: (args, input) => mirror.git(args, input).catch(() => undefined),
    readBlob: (rev, path) =>
      queued(async () => {
        await init();
        return run(["cat-file", "blob", `${rev}:${path}`], undefined, true);
      }).catch(() => undefined),
    async ensure(rev) {
      const has = () => mirror.tryGit(["cat-file", "-e", `${rev}^{commit}`]).then((out) => out !== undefined);
      if (await has()) return true;
      await mirror.git([
        "fetch",
        "--quiet",
        "--prune",
        "--no-tags",
        url,
        "+refs/heads/*:refs/heads/*",
        "+refs/tags/*:refs/tags/*",
      ]);
      return has();
    },
  };
  return mirror;
}
