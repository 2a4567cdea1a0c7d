/**
 * Following a plain git repository, as `POST /api/v1/git-follows` and the first page's form
 * both do it: the bot must be able to `git ls-remote` it, the follow is saved (or changed),
 * the namespace asked for follows it too, and its heads are polled at once.
 */
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import { NAMESPACE_PATTERN } from "../../protocol/names.ts";
import { type Result, fail, ok } from "../../protocol/result.ts";
import { findFollow, type GitFollow, saveFollow } from "../forges/git/follows-store.ts";
import { lsRemote } from "../forges/git/ls-remote.ts";
import { gitRepoName, normalizeGitUrl } from "../forges/git/repo-name.ts";
import { addNamespaceFollow } from "../fleet/namespace-follows.ts";

/** A URL git takes as a repository, never as an option (`--upload-pack=…`). */
const GitUrl = z
  .string()
  .trim()
  .min(1)
  .refine((url) => !url.startsWith("-"), "must be a path or URL, not an option");

export const NewFollow = z.object({
  url: GitUrl,
  branches: z.array(z.string().trim().min(1)).max(100).default([]),
  namespace: z.string().regex(NAMESPACE_PATTERN, "letters, digits, '-' and '_' only (at most 64)").optional(),
  resultsRepo: GitUrl.optional(),
});
export type NewFollow = z.infer<typeof NewFollow>;

export interface AddFollowDeps {
  db: Db;
  /** Polls a repository now (its first heads are seen at once). */
  pollNow?: (name: string) => Promise<unknown>;
}

type AddedFollow = { follow: GitFollow; created: boolean };

/** The follow as saved; a failure (git cannot reach the repository) says why. */
export async function addGitFollow(deps: AddFollowDeps, wanted: NewFollow): Promise<Result<AddedFollow>> {
  const url = normalizeGitUrl(wanted.url);
  try {
    await lsRemote(url);
  } catch (error) {
    return fail(`the bot cannot fetch ${url}: ${(error as Error).message}`);
  }
  const name = gitRepoName(url);
  const { follow, created } = await saveFollow(deps.db, {
    name,
    url,
    branches: [...new Set(wanted.branches)],
    resultsRepo: wanted.resultsRepo ?? null,
  });
  if (wanted.namespace) await addNamespaceFollow(deps.db, wanted.namespace, name);
  // Its heads are seen now; a failure here is tried again at the next interval.
  await deps.pollNow?.(name).catch(() => {});
  return ok({ follow: (await findFollow(deps.db, name)) ?? follow, created });
}
