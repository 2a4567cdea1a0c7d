/**
 * Getting the code: the commit a job runs at, into the job's workspace.
 *
 * The clone token reaches git only through the git process's environment, as an extra
 * HTTP header (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0`): never argv
 * (visible in `ps`), never the remote URL or `.git/config` (readable by the steps), never
 * a log line.
 */
import { mkdir } from "node:fs/promises";
import { execa } from "execa";

export interface CheckoutRequest {
  cloneUrl: string;
  sha: string;
  token?: string;
  /** The workspace; created when missing, expected empty. */
  dir: string;
}

export interface CheckoutOptions {
  /** Progress lines for the job log, already free of the token. */
  log(line: string): void;
  /** Aborts a running git process (job cancelled or timed out). */
  signal?: AbortSignal;
}

/**
 * Puts the tree of `request.sha` into `request.dir`, detached. Rejects with CheckoutError
 * (its message safe to show) when the commit cannot be had; resolves when the tree is there.
 * The plain implementation fetches from the forge every time; a per-runner mirror cache is
 * another implementation of this interface (fetch into the mirror, then into the workspace
 * with `--reference`), swapped in by the agent's options.
 */
export interface SourceCheckout {
  checkout(request: CheckoutRequest, options: CheckoutOptions): Promise<void>;
}

export class CheckoutError extends Error {
  override name = "CheckoutError";
}

export function gitCheckout(hostEnv: NodeJS.ProcessEnv = process.env): SourceCheckout {
  return {
    async checkout(request, options) {
      const secrets = request.token ? tokenVariants(request.token) : [];
      const mask = (text: string): string => maskSecrets(text, secrets);
      const baseEnv = gitEnv(hostEnv);
      const authEnv = request.token ? { ...baseEnv, ...authHeaderEnv(request.token) } : baseEnv;
      await mkdir(request.dir, { recursive: true });

      async function git(args: string[], env: Record<string, string>): Promise<void> {
        options.log(`$ git ${args.join(" ")}`);
        const result = await execa("git", args, {
          cwd: request.dir,
          env,
          extendEnv: false,
          all: true,
          reject: false,
          stdin: "ignore",
          cancelSignal: options.signal,
        });
        const output = mask(String(result.all ?? "")).trimEnd();
        if (output) for (const line of output.split(/\r?\n|\r/)) options.log(line);
        if (result.isCanceled) throw new CheckoutError(`git ${args[0]} was cancelled`);
        if (result.exitCode !== 0) {
          const last = output.split(/\r?\n/).slice(-5).join("\n");
          throw new CheckoutError(`git ${args[0]} failed (exit ${result.exitCode ?? result.signal})${last ? `: ${last}` : ""}`);
        }
      }

      await git(["-c", "init.defaultBranch=main", "init", "-q"], baseEnv);
      await git(["remote", "add", "origin", request.cloneUrl], baseEnv);
      // Only the fetch talks to the forge, so only the fetch sees the token.
      await git(["fetch", "--depth=1", "--no-tags", "origin", request.sha], authEnv);
      await git(["-c", "advice.detachedHead=false", "checkout", "-q", "--detach", "FETCH_HEAD"], baseEnv);
    },
  };
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

function authHeaderEnv(token: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basicCredentials(token)}`,
  };
}

function basicCredentials(token: string): string {
  return Buffer.from(`x-access-token:${token}`).toString("base64");
}

/** The spellings in which a token could surface in output: itself and its Basic form. */
export function tokenVariants(token: string): string[] {
  return [token, basicCredentials(token)].filter((value) => value.length >= 4);
}

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) masked = masked.split(secret).join("***");
  return masked;
}
