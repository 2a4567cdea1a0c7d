/**
 * What a poll found: each branch head that is new or moved since the last poll and that the
 * follow's branch globs take (none given: the default branch alone). A deleted branch starts
 * nothing; a force-push is a moved head like any other, and its new head runs.
 */
import { matchesFilters } from "../../workflows/filter-pattern.ts";

export interface HeadPush {
  /** `refs/heads/<branch>`. */
  ref: string;
  branch: string;
  /** The head the last poll saw; undefined for a new branch. */
  before?: string;
  after: string;
}

export type Heads = Record<string, string>;

const HEADS = "refs/heads/";

/** Whether `branch` is one the follow runs: its globs (GitHub's `branches:` patterns), else the default branch. */
export function branchFollowed(branch: string, globs: readonly string[], defaultBranch: string | undefined): boolean {
  if (globs.length === 0) return branch === defaultBranch;
  return matchesFilters(branch, [...globs]);
}

export function newHeads(
  seen: Heads,
  now: Heads,
  globs: readonly string[],
  defaultBranch: string | undefined,
): HeadPush[] {
  const pushes: HeadPush[] = [];
  for (const [ref, after] of Object.entries(now).sort(([a], [b]) => a.localeCompare(b))) {
    if (!ref.startsWith(HEADS)) continue;
    const branch = ref.slice(HEADS.length);
    const before = seen[ref];
    if (before === after || !branchFollowed(branch, globs, defaultBranch)) continue;
    pushes.push({ ref, branch, ...(before ? { before } : {}), after });
  }
  return pushes;
}
