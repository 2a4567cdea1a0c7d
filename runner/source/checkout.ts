/**
 * Getting the code: the commit a job runs at, into the job's workspace.
 *
 * The clone token reaches git only through the environment of the fetch, as an extra HTTP
 * header (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0`): never argv (visible in
 * `ps`), never the remote URL or `.git/config` (readable by the steps), never a log line.
 */
import { mkdir } from "node:fs/promises";
import { execa } from "execa";
import { maskSecrets } from "../report/masking.ts";

export interface CheckoutRequest {
  cloneUrl: string;
  sha: string;
  /**
   * The ref on the forge that holds `sha` when no branch does (`refs/pull/7/merge`): fetched
   * by name, and `sha` itself only when the ref has moved on. Left as actions/checkout leaves
   * it, under `localRef(ref)`.
   */
  ref?: string | undefined;
  token?: string;
  /** The workspace; created when missing, expected empty. */
  dir: string;
}

export interface CheckoutOptions {
  /** Progress lines for the job log, already free of the token. */
  jobLog: { line(text: string): void };
  /** Aborts a running git process (job cancelled or timed out). */
  signal?: AbortSignal;
}

/**
 * Puts the tree of `request.sha` into `request.dir`, detached. Rejects with CheckoutError
 * (its message safe to show) when the commit cannot be had; resolves when the tree is there.
 * The plain implementation here fetches from the forge every time; the runner's default is
 * its per-runner mirror cache (git-mirror.ts: fetch into the mirror, then a workspace that
 * borrows the mirror's objects), chosen by `gitMirror` in its config.
 */
export interface SourceCheckout {
  checkout(request: CheckoutRequest, options: CheckoutOptions): Promise<void>;
}

export class CheckoutError extends Error {
  override name = "CheckoutError";
}

/**
 * The git commands run in one shell: from a Node process every spawn costs a fork of the whole
 * runner, and a checkout sits on every job's path. The shell announces each command (`$ git …`)
 * so the log shows them and an error names the one that failed. With a ref (a pull request's
 * `refs/pull/7/merge`) the ref is fetched into the local name actions/checkout gives it; when
 * it no longer names the commit (a push or a new base since the job was planned, the pull
 * request closed) the commit itself is fetched, as GitHub serves it by SHA.
 */
const CHECKOUT_SCRIPT = `set -eu
echo "$ git init -q"
git -c init.defaultBranch=main init -q --template=
echo "$ git remote add origin $FLOTILLA_CLONE_URL"
git remote add origin "$FLOTILLA_CLONE_URL"
fetch() {
  if [ -n "\${FLOTILLA_GIT_AUTH:-}" ]; then
    GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader GIT_CONFIG_VALUE_0="$FLOTILLA_GIT_AUTH" git fetch -q --depth=1 --no-tags origin "$1"
  else
    git fetch -q --depth=1 --no-tags origin "$1"
  fi
}
if [ -z "\${FLOTILLA_REF:-}" ]; then
  echo "$ git fetch --depth=1 --no-tags origin $FLOTILLA_SHA"
  fetch "$FLOTILLA_SHA"
  unset FLOTILLA_GIT_AUTH
  echo "$ git checkout --detach FETCH_HEAD"
  git -c advice.detachedHead=false checkout -q --detach FETCH_HEAD
  exit 0
fi
echo "$ git fetch --depth=1 --no-tags origin +$FLOTILLA_REF:$FLOTILLA_LOCAL_REF"
got=""
if out=$(fetch "+$FLOTILLA_REF:$FLOTILLA_LOCAL_REF" 2>&1); then
  [ -z "$out" ] || printf '%s\n' "$out"
  got=$(git rev-parse -q --verify "$FLOTILLA_LOCAL_REF^{commit}" || true)
else
  printf '%s\n' "$out"
  case "$out" in *"couldn't find remote ref"*) ;; *) exit 1 ;; esac
fi
if [ "$got" != "$FLOTILLA_SHA" ]; then
  echo "$FLOTILLA_REF no longer names $FLOTILLA_SHA; fetching the commit itself"
  echo "$ git fetch --depth=1 --no-tags origin +$FLOTILLA_SHA:$FLOTILLA_LOCAL_REF"
  fetch "+$FLOTILLA_SHA:$FLOTILLA_LOCAL_REF"
fi
unset FLOTILLA_GIT_AUTH
echo "$ git checkout --detach $FLOTILLA_SHA"
git -c advice.detachedHead=false checkout -q --detach "$FLOTILLA_SHA"
`;

/**
 * Where actions/checkout keeps a ref it fetched: `refs/pull/7/merge` → `refs/remotes/pull/7/merge`,
 * `refs/heads/main` → `refs/remotes/origin/main`, a tag as itself. Undefined for a ref this
 * checkout does not fetch by name (not under refs/, or spelled so that git could read it as
 * something else): the commit is then fetched by SHA alone.
 */
function localRef(ref: string | undefined): string | undefined {
  if (!ref || !/^refs\/[\w.-]+(?:\/[\w.-]+)+$/.test(ref) || /\.\.|\.lock(?:\/|$)|\/\./.test(ref)) return undefined;
  if (ref.startsWith("refs/heads/")) return `refs/remotes/origin/${ref.slice("refs/heads/".length)}`;
  if (ref.startsWith("refs/pull/")) return `refs/remotes/pull/${ref.slice("refs/pull/".length)}`;
  return ref.startsWith("refs/tags/") ? ref : undefined;
}

/** The script's variables for a request: the ref only when it can be fetched by name. */
export function checkoutVars(request: Pick<CheckoutRequest, "cloneUrl" | "sha" | "ref">): Record<string, string> {
  const local = localRef(request.ref);
  return {
    FLOTILLA_CLONE_URL: request.cloneUrl,
    FLOTILLA_SHA: request.sha,
    ...(local && request.ref ? { FLOTILLA_REF: request.ref, FLOTILLA_LOCAL_REF: local } : {}),
  };
}

export function gitCheckout(hostEnv: NodeJS.ProcessEnv = process.env): SourceCheckout {
  return {
    async checkout(request, options) {
      await mkdir(request.dir, { recursive: true });
      const run = await runCheckoutScript(CHECKOUT_SCRIPT, checkoutVars(request), request, options, hostEnv);
      if (run.error) throw run.error;
    },
  };
}

export interface ScriptRun {
  exitCode: number | undefined;
  /** What the script said, masked, already passed to `options.jobLog`. */
  lines: string[];
  /** Set when it did not succeed: names the last `$ git …` command announced. */
  error?: CheckoutError;
}

/**
 * Runs a checkout script (`sh`, in `request.dir`) with `vars` in its environment and — when
 * the request has a token — the Basic header in `FLOTILLA_GIT_AUTH`, for the script to hand to
 * the one git command that talks to the forge. Its output goes to the log, masked.
 */
export async function runCheckoutScript(
  script: string,
  vars: Record<string, string>,
  request: { dir: string; token?: string | undefined },
  options: CheckoutOptions,
  hostEnv: NodeJS.ProcessEnv = process.env,
): Promise<ScriptRun> {
  const secrets = request.token ? tokenVariants(request.token) : [];
  const env: Record<string, string> = {
    ...gitEnv(hostEnv),
    // The script travels in the environment, not argv: `ps` shows other users nothing of it.
    FLOTILLA_CHECKOUT: script,
    ...vars,
    // Only the fetch talks to the forge, so only the fetch is given the token.
    ...(request.token ? { FLOTILLA_GIT_AUTH: `Authorization: Basic ${basicCredentials(request.token)}` } : {}),
  };
  const result = await quietProcess("sh", ["-c", 'eval "$FLOTILLA_CHECKOUT"'], request.dir, env, options.signal);
  const output = maskSecrets(String(result.all ?? ""), secrets).trimEnd();
  const lines = output ? output.split(/\r?\n|\r/) : [];
  logCollapsed(lines, options.jobLog);
  const command =
    [...lines]
      .reverse()
      .find((line) => line.startsWith("$ git "))
      ?.split(" ")[2] ?? "checkout";
  if (result.isCanceled)
    return { exitCode: result.exitCode, lines, error: new CheckoutError(`git ${command} was cancelled`) };
  if (result.exitCode !== 0) {
    const last = lines
      .filter((line) => !line.startsWith("$ git "))
      .slice(-5)
      .join("\n");
    return {
      exitCode: result.exitCode,
      lines,
      error: new CheckoutError(
        `git ${command} failed (exit ${result.exitCode ?? result.signal})${last ? `: ${last}` : ""}`,
      ),
    };
  }
  return { exitCode: 0, lines };
}

/** A damaged repository makes git say the same line hundreds of times: the log gets it once. */
function logCollapsed(lines: readonly string[], jobLog: { line(text: string): void }): void {
  for (let i = 0; i < lines.length; ) {
    let next = i + 1;
    while (next < lines.length && lines[next] === lines[i]) next++;
    jobLog.line(lines[i]!);
    if (next - i > 1) jobLog.line(`(the line above ${next - i - 1} more times)`);
    i = next;
  }
}

/**
 * One more git command in a checked-out workspace (actions/checkout's options), the token —
 * when given — only in that process's environment as the Basic header, output masked.
 */
export async function gitInWorkspace(
  dir: string,
  args: string[],
  options: {
    token?: string;
    /**
     * Sends the token only to URLs under this one (`http.<url>.extraHeader`) rather than to
     * every server git talks to: for commands that may reach other hosts (submodules).
     */
    tokenScope?: string;
    signal?: AbortSignal;
    jobLog: { line(text: string): void };
    hostEnv?: NodeJS.ProcessEnv;
  },
): Promise<void> {
  const headerKey = options.tokenScope ? `http.${options.tokenScope}.extraHeader` : "http.extraHeader";
  const env: Record<string, string> = {
    ...gitEnv(options.hostEnv ?? process.env),
    ...(options.token
      ? {
          GIT_CONFIG_COUNT: "1",
          GIT_CONFIG_KEY_0: headerKey,
          GIT_CONFIG_VALUE_0: `Authorization: Basic ${basicCredentials(options.token)}`,
        }
      : {}),
  };
  options.jobLog.line(`$ git ${args.join(" ")}`);
  const result = await quietProcess("git", args, dir, env, options.signal);
  const output = maskSecrets(String(result.all ?? ""), options.token ? tokenVariants(options.token) : []).trimEnd();
  if (output) for (const line of output.split(/\r?\n|\r/)) options.jobLog.line(line);
  if (result.isCanceled) throw new CheckoutError(`git ${args[0]} was cancelled`);
  if (result.exitCode !== 0)
    throw new CheckoutError(
      `git ${args[0]} failed (exit ${result.exitCode ?? result.signal})${output ? `: ${output.split("\n").slice(-3).join(" ")}` : ""}`,
    );
}

/**
 * A git process (or the shell that runs git) with exactly `env`, nothing on stdin, its stdout
 * and stderr as one text, stopped by `signal`; it never rejects: the caller reads the result.
 */
function quietProcess(file: string, args: string[], cwd: string, env: Record<string, string>, signal?: AbortSignal) {
  return execa(file, args, {
    cwd,
    env,
    extendEnv: false,
    all: true,
    reject: false,
    stdin: "ignore",
    cancelSignal: signal,
  });
}

/** The runner's environment minus anything that would redirect git, plus no prompts ever. */
function gitEnv(hostEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(hostEnv)) {
    if (value !== undefined && !key.startsWith("GIT_")) env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  return env;
}

/** `user:secret` as the forge gave it (GitLab's deploy tokens name their user), else the bare token as GitHub takes it. */
export function basicCredentials(token: string): string {
  return Buffer.from(token.includes(":") ? token : `x-access-token:${token}`).toString("base64");
}

/** The spellings in which a token could surface in output: itself and its Basic form. */
export function tokenVariants(token: string): string[] {
  const secret = token.slice(token.indexOf(":") + 1);
  return [token, secret, basicCredentials(token)].filter((value) => value.length >= 4);
}
