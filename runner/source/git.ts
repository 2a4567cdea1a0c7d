/**
 * Git for fetching actions, as the checkout does it: no prompts, nothing from the runner's own
 * `GIT_*` variables, and a token (when one is used) only as an HTTP header in the environment of
 * the one git process — never argv, a URL, a config file or a log line.
 */
import { execa } from "execa";
import { maskSecrets } from "../report/masking.ts";
import { basicCredentials, tokenVariants } from "./checkout.ts";

export interface GitRun {
  ok: boolean;
  stdout: string;
  /** stderr with the token masked, for an error message. */
  error: string;
}

export async function runGit(
  args: string[],
  options: { cwd?: string; token?: string; signal?: AbortSignal },
  hostEnv: NodeJS.ProcessEnv = process.env,
): Promise<GitRun> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(hostEnv)) {
    if (value !== undefined && !key.startsWith("GIT_")) env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  if (options.token) {
    Object.assign(env, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basicCredentials(options.token)}`,
    });
  }
  const result = await execa("git", args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env,
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    cancelSignal: options.signal,
  });
  const secrets = options.token ? tokenVariants(options.token) : [];
  return {
    ok: result.exitCode === 0 && !result.isCanceled,
    stdout: String(result.stdout ?? ""),
    error: maskSecrets(String(result.stderr ?? "").trim(), secrets),
  };
}
