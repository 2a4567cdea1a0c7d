/**
 * Real git repositories on disk, made with the real `git` binary, so the code under test
 * (contents API, clones, fetch by SHA) meets the same objects and refs it would in production.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";

/** A file's content, or `null` to delete it in `commitFiles`. */
export type FileTree = Record<string, string | null>;

export interface CreatedRepo {
  dir: string;
  sha: string;
}

export interface CreateRepoOptions {
  branch?: string;
  message?: string;
}

// Fixed identity and dates-from-env-free config: commits must not depend on the user's
// global git config (which may sign commits, use hooks or another default branch).
const IDENTITY = [
  "-c",
  "user.name=Flotilla Test",
  "-c",
  "user.email=test@flotilla.invalid",
  "-c",
  "commit.gpgsign=false",
];

/** Runs git in `dir` and returns trimmed stdout; failures throw with git's stderr. */
export async function git(dir: string, args: string[], input?: string): Promise<string> {
  const result = await execa("git", [...IDENTITY, ...args], { cwd: dir, input });
  return result.stdout.trim();
}

/** `git init` + first commit holding `files`, on `branch` (default `main`). */
export async function createRepo(dir: string, files: FileTree, opts: CreateRepoOptions = {}): Promise<CreatedRepo> {
  await mkdir(dir, { recursive: true });
  await git(dir, ["init", "--quiet", `--initial-branch=${opts.branch ?? "main"}`]);
  // The fake GitHub serves this .git directly; keep hooks and signing out of the picture.
  await git(dir, ["config", "user.name", "Flotilla Test"]);
  await git(dir, ["config", "user.email", "test@flotilla.invalid"]);
  await git(dir, ["config", "commit.gpgsign", "false"]);
  const sha = await commitFiles(dir, files, opts.message ?? "Initial commit");
  return { dir, sha };
}

/** Writes (or, for `null`, deletes) `files`, commits them all and returns the new commit SHA. */
export async function commitFiles(dir: string, files: FileTree, message = "Update files"): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    if (content === null) {
      await rm(full, { force: true, recursive: true });
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  await git(dir, ["add", "--all"]);
  // --allow-empty: a test may want a new SHA without changing files (e.g. a second push).
  await git(dir, ["commit", "--quiet", "--allow-empty", "--no-verify", "-m", message]);
  return git(dir, ["rev-parse", "HEAD"]);
}

/** Creates a branch at `startPoint` (default HEAD) without switching to it. */
export async function createBranch(dir: string, branch: string, startPoint = "HEAD"): Promise<void> {
  await git(dir, ["branch", branch, startPoint]);
}

/** Clones `source` (a path) into `dir` — e.g. to make a fork whose commits differ. */
export async function cloneRepo(source: string, dir: string): Promise<string> {
  await execa("git", ["clone", "--quiet", "--no-local", source, dir]);
  await git(dir, ["config", "user.name", "Flotilla Test"]);
  await git(dir, ["config", "user.email", "test@flotilla.invalid"]);
  return dir;
}
