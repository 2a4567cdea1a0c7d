/**
 * Projects as real repositories on disk: `createProject` makes one with createRepo (or, for a
 * fork, a clone of the upstream's), `commitOn` commits on any branch of it. Work trees live
 * under `<root>/work/<path>`; git-http.ts serves `<root>/git/<path>.git`, a symlink to each
 * one's `.git`. Git writes to one project are queued, so concurrent test steps do not meet
 * git's index.lock.
 */
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { cloneRepo, commitFiles, createRepo, git, type FileTree } from "../git-repo.ts";
import { nowIso } from "./http.ts";
import { resolveCommit } from "./repo-git.ts";
import type { GitLabState, ProjectEntry } from "./state.ts";
import type { FakeGitLabProject } from "./types.ts";

const ZERO_SHA = "0".repeat(40);
const queues = new WeakMap<ProjectEntry, Promise<unknown>>();

function queued<T>(entry: ProjectEntry, work: () => Promise<T>): Promise<T> {
  const next = (queues.get(entry) ?? Promise.resolve()).then(work, work);
  queues.set(
    entry,
    next.catch(() => {}),
  );
  return next;
}

export async function createProject(
  state: GitLabState,
  root: string,
  path: string,
  files: FileTree,
  options: { visibility?: "private" | "public"; defaultBranch?: string; forkOf?: ProjectEntry } = {},
): Promise<{ entry: ProjectEntry; sha: string }> {
  const clean = path.replace(/^\/+|\/+$/g, "");
  if (!/^[\w.-]+(\/[\w.-]+)+$/.test(clean)) throw new Error(`fake GitLab: "${path}" is not a namespace/project path`);
  if (state.findProject(clean)) throw new Error(`fake GitLab: project ${clean} exists`);
  const dir = join(root, "work", clean);
  const upstream = options.forkOf;
  let sha: string;
  if (upstream) {
    await mkdir(dirname(dir), { recursive: true });
    await cloneRepo(upstream.project.dir, dir);
    sha =
      Object.keys(files).length > 0
        ? await commitFiles(dir, files, "Fork changes")
        : await git(dir, ["rev-parse", "HEAD"]);
  } else {
    sha = (await createRepo(dir, files, { branch: options.defaultBranch ?? "main" })).sha;
  }
  const gitDir = join(dir, ".git");
  const link = join(root, "git", `${clean}.git`);
  await mkdir(dirname(link), { recursive: true });
  await symlink(gitDir, link);
  const project: FakeGitLabProject = {
    id: state.nextId("project"),
    path: clean,
    dir,
    visibility: options.visibility ?? "private",
    defaultBranch: upstream ? upstream.project.defaultBranch : (options.defaultBranch ?? "main"),
  };
  const entry: ProjectEntry = {
    project,
    gitDir,
    forkOf: upstream,
    members: new Map(),
    nextIid: 1,
    createdAt: nowIso(),
  };
  state.projects.set(project.id, entry);
  return { entry, sha };
}

/** Commits `files` on `branch` (made from the default branch if new), then returns to the default branch. */
export function commitOn(
  entry: ProjectEntry,
  files: FileTree,
  options: { branch?: string; message?: string } = {},
): Promise<{ before: string; sha: string }> {
  return queued(entry, async () => {
    const { dir, defaultBranch } = entry.project;
    const branch = options.branch ?? defaultBranch;
    const before = await resolveCommit(entry.gitDir, `refs/heads/${branch}`);
    if (branch !== defaultBranch) {
      await git(dir, before ? ["checkout", "--quiet", branch] : ["checkout", "--quiet", "-b", branch, defaultBranch]);
    }
    try {
      const sha = await commitFiles(dir, files, options.message ?? "Update files");
      return { before: before ?? ZERO_SHA, sha };
    } finally {
      if (branch !== defaultBranch) await git(dir, ["checkout", "--quiet", defaultBranch]);
    }
  });
}
