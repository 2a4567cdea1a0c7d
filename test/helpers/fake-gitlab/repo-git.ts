/**
 * Reads a project's repository with the real git at request time, so a commit a test makes is
 * visible to the next API call (as a push is on GitLab): trees, blobs, commits, merge bases,
 * diffs, the branches holding a commit. Resolving and copying refs is shared with the fake
 * GitHub (fake-github/repo-git.ts).
 */
import { execa } from "execa";

export { fetchRef, resolveCommit } from "../fake-github/repo-git.ts";

async function run(gitDir: string, args: string[]): Promise<{ ok: boolean; stdout: Buffer }> {
  const result = await execa("git", ["--git-dir", gitDir, ...args], {
    reject: false,
    encoding: "buffer",
    stripFinalNewline: false,
  });
  return { ok: result.exitCode === 0, stdout: Buffer.from(result.stdout) };
}

const text = async (gitDir: string, args: string[]): Promise<string | undefined> => {
  const result = await run(gitDir, args);
  return result.ok ? result.stdout.toString("utf8").trim() : undefined;
};

const objectType = (gitDir: string, spec: string) => text(gitDir, ["cat-file", "-t", spec]);

export interface TreeItem {
  id: string;
  name: string;
  type: "blob" | "tree" | "commit";
  path: string;
  mode: string;
}

/** `path` "" is the root; undefined when `path` is not a directory at `sha`. */
export async function listTree(
  gitDir: string,
  sha: string,
  path: string,
  recursive: boolean,
): Promise<TreeItem[] | undefined> {
  const clean = path.replace(/^\/+|\/+$/g, "");
  if ((await objectType(gitDir, clean ? `${sha}:${clean}` : `${sha}^{tree}`)) !== "tree") return undefined;
  const args = ["ls-tree", "-z", ...(recursive ? ["-r", "-t"] : []), sha, ...(clean ? ["--", `${clean}/`] : [])];
  const result = await run(gitDir, args);
  if (!result.ok) return undefined;
  return result.stdout
    .toString("utf8")
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode = "", type = "blob", id = ""] = line.slice(0, tab).split(" ");
      const full = line.slice(tab + 1);
      return { id, name: full.split("/").pop() ?? full, type: type as TreeItem["type"], path: full, mode };
    });
}

export async function readFile(
  gitDir: string,
  sha: string,
  path: string,
): Promise<{ blobId: string; content: Buffer } | undefined> {
  const spec = `${sha}:${path}`;
  if ((await objectType(gitDir, spec)) !== "blob") return undefined;
  const [blobId, content] = await Promise.all([
    text(gitDir, ["rev-parse", spec]),
    run(gitDir, ["cat-file", "blob", spec]),
  ]);
  return { blobId: blobId ?? "", content: content.stdout };
}

export const lastCommitFor = (gitDir: string, sha: string, path: string) =>
  text(gitDir, ["log", "-1", "--format=%H", sha, "--", path]);

export interface CommitInfo {
  id: string;
  parentIds: string[];
  authorName: string;
  authorEmail: string;
  authoredDate: string;
  committerName: string;
  committerEmail: string;
  committedDate: string;
  message: string;
}

export async function commitInfo(gitDir: string, sha: string): Promise<CommitInfo | undefined> {
  const out = await text(gitDir, [
    "show",
    "-s",
    "--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B",
    sha,
  ]);
  if (out === undefined) return undefined;
  const [id = "", parents = "", an = "", ae = "", ad = "", cn = "", ce = "", cd = "", ...rest] = out.split("\0");
  return {
    id,
    parentIds: parents.split(" ").filter(Boolean),
    authorName: an,
    authorEmail: ae,
    authoredDate: ad,
    committerName: cn,
    committerEmail: ce,
    committedDate: cd,
    message: `${rest.join("\0").trim()}\n`,
  };
}

export const mergeBase = (gitDir: string, a: string, b: string) => text(gitDir, ["merge-base", a, b]);

export interface ChangedFile {
  oldPath: string;
  newPath: string;
  aMode: string;
  bMode: string;
  status: string;
}

/** `git diff --raw` between two commits, renames detected, as GitLab's MR diffs list them. */
export async function changedFiles(gitDir: string, base: string, head: string): Promise<ChangedFile[]> {
  const result = await run(gitDir, ["diff", "--raw", "-z", "-M", base, head]);
  if (!result.ok) return [];
  const parts = result.stdout.toString("utf8").split("\0");
  const files: ChangedFile[] = [];
  for (let i = 0; i < parts.length; i++) {
    const meta = parts[i] ?? "";
    if (!meta.startsWith(":")) continue;
    const [aMode = "", bMode = "", , , status = ""] = meta.slice(1).split(" ");
    const oldPath = parts[++i] ?? "";
    const newPath = status.startsWith("R") || status.startsWith("C") ? (parts[++i] ?? "") : oldPath;
    files.push({ oldPath, newPath, aMode, bMode, status });
  }
  return files;
}

/** The unified diff of one file, without git's `diff --git`/index header (GitLab's `diff`). */
export async function fileDiff(gitDir: string, base: string, head: string, file: ChangedFile): Promise<string> {
  const paths = file.oldPath === file.newPath ? [file.newPath] : [file.oldPath, file.newPath];
  const out = await run(gitDir, ["diff", "-M", base, head, "--", ...paths]);
  const diff = out.stdout.toString("utf8");
  const start = diff.search(/^(---|@@|Binary)/m);
  return start < 0 ? "" : diff.slice(start).replace(/^--- .*\n\+\+\+ .*\n/, "");
}

/** Branches whose history holds `sha` (GitLab picks the first for a status without `ref`). */
export async function branchesContaining(gitDir: string, sha: string): Promise<string[]> {
  const out = await text(gitDir, ["for-each-ref", "--contains", sha, "--format=%(refname:short)", "refs/heads"]);
  return out ? out.split("\n").filter(Boolean) : [];
}
