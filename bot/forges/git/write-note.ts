/**
 * Writes one entry of a namespace's note on a commit (`refs/notes/flotilla-<namespace>`) to the
 * results repository. Git's notes ref is the compare-and-swap: the ref is fetched, the note
 * changed on top of it in the mirror, and pushed without force; when another bot (or another
 * run finishing at once) pushed first the push is refused as not a fast-forward, and the write
 * starts again from the ref as it is now. In one process, writes through one mirror queue.
 */
import { execa } from "execa";
import type { Logger } from "pino";
import { GIT_ENV } from "./ls-remote.ts";
import type { Mirror } from "./mirror.ts";
import { type NoteEntry, withEntry } from "./note-text.ts";

const ATTEMPTS = 10;

function notesRef(namespace: string): string {
  return `refs/notes/flotilla-${namespace}`;
}

const queues = new Map<string, Promise<unknown>>();

/** Writes the entry; false (logged) when it could not be written after every attempt. */
export function writeNote(
  mirror: Mirror,
  resultsUrl: string,
  namespace: string,
  sha: string,
  entry: NoteEntry,
  log: Logger,
): Promise<boolean> {
  const work = () => writeNoteNow(mirror, resultsUrl, namespace, sha, entry, log);
  const before = queues.get(mirror.dir) ?? Promise.resolve();
  const next = before.then(work, work);
  queues.set(
    mirror.dir,
    next.catch(() => {}),
  );
  return next;
}

async function writeNoteNow(
  mirror: Mirror,
  resultsUrl: string,
  namespace: string,
  sha: string,
  entry: NoteEntry,
  log: Logger,
): Promise<boolean> {
  const ref = notesRef(namespace);
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      if (!(await mirror.ensure(sha))) {
        log.warn({ sha, namespace }, "commit not in the repository; no git note written");
        return false;
      }
      await syncRef(mirror, resultsUrl, ref);
      const before = await mirror.tryGit(["notes", "--ref", ref, "show", sha]);
      const text = withEntry(before === undefined ? undefined : `${before}\n`, entry);
      if (before !== undefined && `${before}\n` === text) return true;
      await mirror.git(["notes", "--ref", ref, "add", "--force", "--file=-", sha], text);
      await mirror.git(["push", "--quiet", resultsUrl, `${ref}:${ref}`]);
      return true;
    } catch (error) {
      lastError = error;
      // Someone pushed the ref first (or the repository hiccuped): start again from its tip.
      await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt * Math.random())));
    }
  }
  log.warn({ err: lastError, sha, namespace, results: resultsUrl }, "could not write git note");
  return false;
}

/** The local notes ref made what the results repository has now (absent there: absent here). */
async function syncRef(mirror: Mirror, resultsUrl: string, ref: string): Promise<void> {
  const remote = await execa("git", ["ls-remote", resultsUrl, ref], { env: GIT_ENV, timeout: 30_000, stdin: "ignore" });
  const sha = /^([0-9a-f]{40,64})\t/.exec(String(remote.stdout))?.[1];
  if (!sha) {
    await mirror.tryGit(["update-ref", "-d", ref]);
    return;
  }
  await mirror.git(["fetch", "--quiet", "--no-tags", resultsUrl, `+${ref}:${ref}`]);
}
