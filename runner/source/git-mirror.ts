/**
 * The runner's git mirror cache: one bare repository per clone URL under
 * `<workDir>/_mirrors/<hash of the URL>.git`, kept between jobs. A job's commit is fetched into
 * the mirror once (full history, so the next commit of the repository comes incrementally);
 * the workspace then borrows the mirror's objects (`objects/info/alternates`, what
 * `git clone --reference` writes) and checks the commit out without talking to the forge.
 *
 * The workspace looks like the plain checkout's: `origin` is the clone URL (no token), HEAD is
 * the commit, detached, a ref it was fetched by under its local name (`refs/remotes/pull/7/merge`),
 * and it is one commit deep (`.git/shallow`), as `--depth=1` leaves it — yet `actions/checkout`
 * with `fetch-depth: 0` finds the whole history already there (`useMirrorHistory`).
 *
 * Only the fetch into the mirror talks to the forge, with the token only in that git process's
 * environment (see checkout.ts). Fetches into one mirror are serialised — an in-process queue
 * per mirror for `--concurrency N`, plus a lock file (O_EXCL) for runner processes sharing a
 * work dir — while workspaces are made from it in parallel: git's object store is safe to read
 * while another process adds to it. A mirror that git reports damaged is made afresh, once.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readFile, rm, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import {
  CheckoutError,
  checkoutVars,
  runCheckoutScript,
  type CheckoutOptions,
  type CheckoutRequest,
  type ScriptRun,
  type SourceCheckout,
} from "./checkout.ts";
import { runGit } from "./git.ts";
import { abortableSleep } from "../sleep.ts";

export interface GitMirrorOptions {
  /** Where the mirrors live: `<workDir>/_mirrors` for a runner. */
  dir: string;
  /** Commits the mirror keeps a ref to (newest first); older ones may be collected by `git gc`. */
  keepRefs?: number;
  hostEnv?: NodeJS.ProcessEnv;
}

/** The directory under a runner's work dir that holds its mirrors. */
export const MIRRORS_DIR = "_mirrors";

/** The workspace script's way of saying "the commit is not in the mirror yet". */
const NOT_IN_MIRROR = 75;

/** A damaged mirror, in git's words (as opposed to a forge that refuses or cannot be reached). */
const DAMAGED =
  /corrupt|not a git repository|bad object|missing (?:blob|tree|commit|object)|invalid (?:object|sha1|pack)|unable to read|did not send all necessary objects|does not match index|cannot be accessed|is too small|unknown object type|could not parse|inflate|': File exists/i;

/**
 * Under the mirror's lock. Creates the mirror when missing or not a repository; unless the job
 * that held the lock before brought the commit meanwhile, fetches it into a ref of its own (so
 * later fetches offer it as common history, and `git gc` keeps it) — by the forge's ref that
 * holds it when there is one (a pull request's `refs/pull/7/merge`, which no branch fetch
 * brings), by SHA when there is none or the ref has moved on since; drops refs beyond the newest
 * `$FLOTILLA_KEEP_REFS`; and leaves `gc --auto` to git — run after the token is gone from the
 * environment, since it may go on in the background.
 */
const FETCH_SCRIPT = `set -eu
M="$FLOTILLA_MIRROR"
if ! git --git-dir="$M" rev-parse --git-dir >/dev/null 2>&1; then
  echo "$ git init --bare $M"
  rm -rf "$M"
  git -c init.defaultBranch=main init -q --bare --template= "$M"
  git --git-dir="$M" config remote.origin.url "$FLOTILLA_CLONE_URL"
elif git --git-dir="$M" rev-parse -q --verify "refs/flotilla/commits/$FLOTILLA_SHA^{commit}" >/dev/null 2>&1; then
  exit 0
fi
fetch() {
  if [ -n "\${FLOTILLA_GIT_AUTH:-}" ]; then
    GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader GIT_CONFIG_VALUE_0="$FLOTILLA_GIT_AUTH" git --git-dir="$M" fetch -q --no-tags --no-auto-gc origin "$1"
  else
    git --git-dir="$M" fetch -q --no-tags --no-auto-gc origin "$1"
  fi
}
got=""
if [ -n "\${FLOTILLA_REF:-}" ]; then
  echo "$ git fetch --no-tags origin $FLOTILLA_REF (into the runner's mirror $M)"
  if out=$(fetch "+$FLOTILLA_REF:refs/flotilla/fetched" 2>&1); then
    [ -z "$out" ] || printf '%s\n' "$out"
    got=$(git --git-dir="$M" rev-parse -q --verify "refs/flotilla/fetched^{commit}" || true)
    git --git-dir="$M" update-ref -d refs/flotilla/fetched
  else
    printf '%s\n' "$out"
    case "$out" in *"couldn't find remote ref"*) ;; *) exit 1 ;; esac
  fi
  if [ "$got" = "$FLOTILLA_SHA" ]; then
    git --git-dir="$M" update-ref "refs/flotilla/commits/$FLOTILLA_SHA" "$FLOTILLA_SHA"
  else
    echo "$FLOTILLA_REF no longer names $FLOTILLA_SHA; fetching the commit itself"
  fi
fi
if [ "$got" != "$FLOTILLA_SHA" ]; then
  echo "$ git fetch --no-tags origin $FLOTILLA_SHA (into the runner's mirror $M)"
  fetch "+$FLOTILLA_SHA:refs/flotilla/commits/$FLOTILLA_SHA"
fi
unset FLOTILLA_GIT_AUTH
git --git-dir="$M" for-each-ref --sort=-committerdate --format='delete %(refname)' refs/flotilla/commits/ | tail -n +$((FLOTILLA_KEEP_REFS + 1)) | git --git-dir="$M" update-ref --stdin
git --git-dir="$M" gc --auto --quiet || true
`;

/**
 * No lock, no forge, no token. Exits ${NOT_IN_MIRROR} before touching the workspace when the
 * mirror lacks the commit; otherwise makes the workspace borrow the mirror's objects.
 */
const WORKSPACE_SCRIPT = `set -eu
M="$FLOTILLA_MIRROR"
git --git-dir="$M" rev-parse -q --verify "refs/flotilla/commits/$FLOTILLA_SHA^{commit}" >/dev/null 2>&1 || exit ${NOT_IN_MIRROR}
echo "$ git init -q"
git -c init.defaultBranch=main init -q --template=
echo "$M/objects" > .git/objects/info/alternates
echo "$ git remote add origin $FLOTILLA_CLONE_URL"
git remote add origin "$FLOTILLA_CLONE_URL"
echo "$FLOTILLA_SHA" > .git/shallow
echo "$ git checkout --detach $FLOTILLA_SHA (objects from the runner's mirror $M)"
git -c advice.detachedHead=false checkout -q --detach "$FLOTILLA_SHA"
[ -z "\${FLOTILLA_LOCAL_REF:-}" ] || git update-ref "$FLOTILLA_LOCAL_REF" "$FLOTILLA_SHA"
`;

/** The bare mirror for `cloneUrl` under `dir`. */
export function mirrorPath(dir: string, cloneUrl: string): string {
  return join(resolve(dir), `${createHash("sha256").update(cloneUrl).digest("hex").slice(0, 24)}.git`);
}

export function gitMirrorCheckout(options: GitMirrorOptions): SourceCheckout {
  const hostEnv = options.hostEnv ?? process.env;
  const keepRefs = String(options.keepRefs ?? 1000);
  return {
    async checkout(request, checkoutOptions) {
      const mirror = mirrorPath(options.dir, request.cloneUrl);
      const vars = { FLOTILLA_MIRROR: mirror, ...checkoutVars(request) };
      // The workspace script never sees the token: it has nothing to say to the forge.
      const workspace = () => runCheckoutScript(WORKSPACE_SCRIPT, vars, { dir: request.dir }, checkoutOptions, hostEnv);
      const fetch = () =>
        withMirrorLock(mirror, checkoutOptions.signal, () =>
          fetchIntoMirror(mirror, { ...vars, FLOTILLA_KEEP_REFS: keepRefs }, request, checkoutOptions, hostEnv),
        );

      await mkdir(request.dir, { recursive: true });
      for (let attempt = 1; ; attempt++) {
        let run = await workspace();
        if (run.exitCode === NOT_IN_MIRROR) {
          await fetch();
          run = await workspace();
        }
        if (!run.error) return;
        if (attempt > 1 || !damaged(run) || checkoutOptions.signal?.aborted) throw run.error;
        // The mirror said it has the commit, yet cannot give its tree: make it afresh.
        checkoutOptions.jobLog.line(`the runner's mirror ${mirror} is damaged; making it afresh`);
        await withMirrorLock(mirror, checkoutOptions.signal, () =>
          rm(mirror, { recursive: true, force: true, maxRetries: 3 }),
        );
        await rm(request.dir, { recursive: true, force: true, maxRetries: 3 });
        await mkdir(request.dir, { recursive: true });
      }
    },
  };
}

/** The fetch script under the lock; a damaged mirror is removed and the fetch tried once more. */
async function fetchIntoMirror(
  mirror: string,
  vars: Record<string, string>,
  request: CheckoutRequest,
  options: CheckoutOptions,
  hostEnv: NodeJS.ProcessEnv,
): Promise<void> {
  const cwd = dirname(mirror);
  await mkdir(cwd, { recursive: true });
  const fetch = () => runCheckoutScript(FETCH_SCRIPT, vars, { dir: cwd, token: request.token }, options, hostEnv);
  let run = await fetch();
  if (run.error && damaged(run) && !options.signal?.aborted) {
    options.jobLog.line(`the runner's mirror ${mirror} is damaged; making it afresh`);
    await rm(mirror, { recursive: true, force: true, maxRetries: 3 });
    run = await fetch();
  }
  if (run.error) throw run.error;
}

function damaged(run: ScriptRun): boolean {
  return run.lines.some((line) => !line.startsWith("$ git ") && DAMAGED.test(line));
}

/**
 * `actions/checkout` with `fetch-depth: 0` in a workspace made from a mirror: the whole history
 * of a commit the mirror keeps a ref to is there (a mirror is never shallow), so the workspace
 * stops being shallow without a byte from the forge, and a plain fetch of branches and tags then
 * brings only what the mirror lacks (`--unshallow` would make the forge send all history again).
 * False — nothing changed — when `dir` is not such a workspace or is shallow elsewhere (`ref`).
 */
export async function useMirrorHistory(dir: string, signal?: AbortSignal): Promise<boolean> {
  const gitDir = join(dir, ".git");
  const lines = async (path: string) => (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean);
  const borrowed = await lines(join(gitDir, "objects", "info", "alternates"));
  const mirror = borrowed.length === 1 && borrowed[0]!.endsWith("/objects") ? dirname(borrowed[0]!) : undefined;
  if (!mirror || basename(dirname(mirror)) !== MIRRORS_DIR) return false;
  const shallow = await lines(join(gitDir, "shallow"));
  if (shallow.length === 0) return true;
  if (shallow.length > 1) return false;
  const kept = await runGit(
    ["--git-dir", mirror, "rev-parse", "-q", "--verify", `refs/flotilla/commits/${shallow[0]}^{commit}`],
    signal ? { signal } : {},
  );
  if (!kept.ok) return false;
  await unlink(join(gitDir, "shallow"));
  return true;
}

// ---- the lock ----

/** Mirrors this process is fetching into: the next job waits its turn without polling the file. */
const queues = new Map<string, Promise<void>>();
/** A lock file not touched for this long belongs to a runner that is gone (holders touch it every 10 s). */
const STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;

/** Runs `work` holding the mirror's lock: this process's queue first, then `<mirror>.lock`. */
async function withMirrorLock<T>(mirror: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(mirror) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  queues.set(mirror, tail);
  try {
    await untilAborted(previous, signal);
    const release = await lockFile(`${mirror}.lock`, signal);
    try {
      return await work();
    } finally {
      await release();
    }
  } finally {
    done();
    if (queues.get(mirror) === tail) queues.delete(mirror);
  }
}

async function lockFile(path: string, signal: AbortSignal | undefined): Promise<() => Promise<void>> {
  await mkdir(dirname(path), { recursive: true });
  const owner = `${process.pid} ${hostname()} ${randomUUID()}\n`;
  for (let wait = 10; ; wait = Math.min(wait * 2, 250)) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(owner).finally(() => handle.close());
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await stale(path)) {
      await rm(path, { force: true });
      continue;
    }
    await abortableSleep(wait, signal);
    if (signal?.aborted) throw new CheckoutError("git fetch was cancelled while waiting for the runner's mirror");
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    // Only our own: a lock taken over as stale (we were frozen for a minute) is someone else's now.
    if ((await readFile(path, "utf8").catch(() => "")) === owner) await rm(path, { force: true });
  };
}

/** Held by a process of this host that is gone, or not touched for STALE_MS (another host, a reused pid). */
async function stale(path: string): Promise<boolean> {
  const [content, info] = await Promise.all([
    readFile(path, "utf8").catch(() => ""),
    stat(path).catch(() => undefined),
  ]);
  if (!info) return false;
  if (Date.now() - info.mtimeMs > STALE_MS) return true;
  const [pid, host] = content.split(" ");
  if (!pid || host !== hostname()) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    const abort = () => reject(new CheckoutError("git fetch was cancelled while waiting for the runner's mirror"));
    if (signal.aborted) return abort();
    signal.addEventListener("abort", abort, { once: true });
    void promise.then(() => {
      signal.removeEventListener("abort", abort);
      resolve();
    });
  });
}
