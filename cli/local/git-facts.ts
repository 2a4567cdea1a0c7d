/**
 * What `flotilla run` knows about the repository in the current directory: the commit, the
 * branch (or tag) it is on, and the repository's name, read with the real `git` so the run
 * sees what a push of this checkout would carry.
 */
import { basename } from "node:path";
import { execa } from "execa";

export interface GitFacts {
  /** The top of the work tree: where `.flotilla/workflows` is read and files are copied from. */
  root: string;
  sha: string;
  /** `refs/heads/<branch>`, `refs/tags/<tag>` for a detached HEAD at a tag, else `HEAD`'s sha. */
  ref: string;
  refKind: "branch" | "tag";
  refName: string;
  /** `owner/name` from the `origin` remote, else `local/<directory>`. */
  fullName: string;
  /** The forge the origin remote points at, for `github.server_url`. */
  serverUrl: string;
  /** The branch pull requests would target: origin's HEAD, else `main`. */
  defaultBranch: string;
  actor: string;
}

export class NotARepository extends Error {
  override name = "NotARepository";
}

export async function readGitFacts(cwd: string): Promise<GitFacts> {
  const root = await git(cwd, ["rev-parse", "--show-toplevel"]);
  if (root === undefined) throw new NotARepository(`${cwd} is not inside a git repository`);
  const sha = await git(root, ["rev-parse", "--verify", "-q", "HEAD"]);
  if (sha === undefined) throw new NotARepository("the repository has no commit yet: commit once, then run");
  const branch = await git(root, ["symbolic-ref", "-q", "--short", "HEAD"]);
  // A detached HEAD at a tag runs as a tag push would; anywhere else it runs as its sha.
  const tag = branch === undefined ? await git(root, ["describe", "--tags", "--exact-match", "HEAD"]) : undefined;
  const refName = branch ?? tag ?? sha;
  const origin = (await git(root, ["remote", "get-url", "origin"])) ?? "";
  const parsed = parseRemote(origin);
  const originHead = await git(root, ["symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"]);
  return {
    root,
    sha,
    ref: tag !== undefined ? `refs/tags/${tag}` : `refs/heads/${refName}`,
    refKind: tag !== undefined ? "tag" : "branch",
    refName,
    fullName: parsed?.fullName ?? `local/${basename(root)}`,
    serverUrl: parsed?.serverUrl ?? "https://github.com",
    defaultBranch: originHead?.replace(/^origin\//, "") ?? "main",
    actor: (await git(root, ["config", "user.name"])) ?? process.env.USER ?? "local",
  };
}

/** `git@host:owner/name.git`, `ssh://git@host/owner/name`, `https://host/owner/name.git`. */
function parseRemote(url: string): { fullName: string; serverUrl: string } | undefined {
  const scp = /^[^@/:]+@([^:/]+):(.+?)(?:\.git)?\/?$/.exec(url);
  if (scp) return { fullName: scp[2]!, serverUrl: `https://${scp[1]}` };
  const full = /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/.exec(url);
  if (full) return { fullName: full[2]!, serverUrl: `https://${full[1]}` };
  return undefined;
}

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  const result = await execa("git", args, { cwd, reject: false, stdin: "ignore" });
  return result.exitCode === 0 && result.stdout.trim() !== "" ? result.stdout.trim() : undefined;
}
