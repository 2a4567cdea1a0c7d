/**
 * `git ls-remote --symref URL HEAD refs/heads/*`: a repository's branch heads and its default
 * branch, without fetching anything. Git never asks for a password here (no terminal prompt);
 * an unreachable repository throws GitUnreachable after `timeoutMs`.
 */
import { execa } from "execa";
import type { Heads } from "./heads-diff.ts";

class GitUnreachable extends Error {
  override name = "GitUnreachable";
}

export interface RemoteHeads {
  heads: Heads;
  /** The branch `HEAD` points at; undefined when the server does not say (an empty repository). */
  defaultBranch?: string;
}

/** The environment of every git the bot runs: no prompts, no user or system config surprises. */
export const GIT_ENV = {
  GIT_TERMINAL_PROMPT: "0",
  GIT_ASKPASS: "echo",
  LC_ALL: "C",
  // Transports that fetch; never `ext::`, which runs a command of the URL's choosing.
  GIT_ALLOW_PROTOCOL: "file:git:http:https:ssh",
  // Who writes the notes commits.
  GIT_AUTHOR_NAME: "Flotilla",
  GIT_AUTHOR_EMAIL: "flotilla@git.local",
  GIT_COMMITTER_NAME: "Flotilla",
  GIT_COMMITTER_EMAIL: "flotilla@git.local",
} as const;

export async function lsRemote(url: string, timeoutMs = 30_000): Promise<RemoteHeads> {
  const result = await execa("git", ["ls-remote", "--symref", url, "HEAD", "refs/heads/*"], {
    env: GIT_ENV,
    timeout: timeoutMs,
    reject: false,
    stdin: "ignore",
  });
  if (result.exitCode !== 0)
    throw new GitUnreachable(
      `git ls-remote ${url} failed: ${String(result.stderr).trim() || (result.timedOut ? "timed out" : `exit ${result.exitCode}`)}`,
    );
  return parseLsRemote(String(result.stdout));
}

export function parseLsRemote(output: string): RemoteHeads {
  const heads: Heads = {};
  let defaultBranch: string | undefined;
  for (const line of output.split("\n")) {
    const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (symref) {
      defaultBranch = symref[1];
      continue;
    }
    const head = /^([0-9a-f]{40,64})\t(refs\/heads\/\S+)$/.exec(line);
    if (head) heads[head[2]!] = head[1]!;
  }
  return defaultBranch ? { heads, defaultBranch } : { heads };
}
