/**
 * `/api/v1/git-follows` — what `flotilla follow-git` calls:
 *   GET    /api/v1/git-follows           every followed plain git repository, with its last seen heads
 *   POST   /api/v1/git-follows           {url, branches?, namespace?, resultsRepo?}: follows it (or changes
 *                                        how); 400 when the bot cannot `git ls-remote` it
 *   DELETE /api/v1/git-follows/KEY       stops following it (KEY: its name or URL, URL-encoded)
 *   POST   /api/v1/git-follows/hook      {repository}: a new hook token and the post-receive script using it
 * `namespace` makes that namespace follow the repository too (created when missing; one that
 * follows every repository already does).
 */
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import { namespaces } from "../../db/schema.ts";
import { NAMESPACE_PATTERN } from "../../protocol/names.ts";
import { findFollow, listFollows, newHookToken, removeFollow, saveFollow } from "../forges/git/follows-store.ts";
import { hookScript } from "../forges/git/hook-script.ts";
import { lsRemote } from "../forges/git/ls-remote.ts";
import { gitRepoName, normalizeGitUrl } from "../forges/git/repo-name.ts";
import { followsRepository } from "../fleet/namespace-follows.ts";
import { pathOf, sendJson, type Handler } from "../http/handler.ts";
import { authorized, jsonBody } from "./auth.ts";

const PATH = /^\/api\/v1\/git-follows(?:\/(.+))?$/;

/** A URL git takes as a repository, never as an option (`--upload-pack=…`). */
const GitUrl = z
  .string()
  .trim()
  .min(1)
  .refine((url) => !url.startsWith("-"), "must be a path or URL, not an option");

const NewFollow = z.object({
  url: GitUrl,
  branches: z.array(z.string().trim().min(1)).max(100).default([]),
  namespace: z.string().regex(NAMESPACE_PATTERN, "letters, digits, '-' and '_' only (at most 64)").optional(),
  resultsRepo: GitUrl.optional(),
});

const HookRequest = z.object({ repository: z.string().trim().min(1) });

export interface GitFollowsOptions {
  db: Db;
  token?: string;
  publicUrl: string;
  /** Polls a repository now (its first heads are seen at once). */
  pollNow?: (name: string) => Promise<unknown>;
}

export function gitFollowsHandler(options: GitFollowsOptions): Handler {
  const { db } = options;
  return async (req, res) => {
    const match = PATH.exec(pathOf(req).path);
    if (!match) return false;
    if (!authorized(req, res, options.token)) return true;
    const key = match[1] === undefined ? undefined : decoded(match[1]);
    if (key === undefined) {
      if (req.method === "GET") return sendJson(res, 200, { follows: (await listFollows(db)).map(view) });
      if (req.method !== "POST") return sendJson(res, 405, { error: "GET or POST /api/v1/git-follows" });
      const wanted = await jsonBody(req, res, NewFollow);
      if (!wanted) return true;
      wanted.url = normalizeGitUrl(wanted.url);
      try {
        await lsRemote(wanted.url);
      } catch (error) {
        return sendJson(res, 400, { error: `the bot cannot fetch ${wanted.url}: ${(error as Error).message}` });
      }
      const name = gitRepoName(wanted.url);
      const { follow, created } = await saveFollow(db, {
        name,
        url: wanted.url,
        branches: [...new Set(wanted.branches)],
        resultsRepo: wanted.resultsRepo ?? null,
      });
      if (wanted.namespace) await followIn(db, wanted.namespace, name);
      // Its heads are seen now; a failure here is tried again at the next interval.
      await options.pollNow?.(name).catch(() => {});
      return sendJson(res, created ? 201 : 200, view((await findFollow(db, name)) ?? follow));
    }
    if (key === "hook" && req.method === "POST") {
      const wanted = await jsonBody(req, res, HookRequest);
      if (!wanted) return true;
      const follow = await findFollow(db, wanted.repository);
      if (!follow)
        return sendJson(res, 404, { error: `${wanted.repository} is not followed: flotilla follow-git URL` });
      const token = await newHookToken(db, follow.name);
      return sendJson(res, 200, {
        name: follow.name,
        token,
        script: hookScript(options.publicUrl, follow.name, token),
      });
    }
    if (req.method !== "DELETE") return sendJson(res, 405, { error: "DELETE /api/v1/git-follows/NAME_OR_URL" });
    const removed = await removeFollow(db, key);
    return removed ? sendJson(res, 200, { removed }) : sendJson(res, 404, { error: `${key} is not followed` });
  };
}

/** The namespace follows `name` from now on: added to its globs unless they take it already. */
async function followIn(db: Db, namespace: string, name: string): Promise<void> {
  const [existing] = await db.select().from(namespaces).where(eq(namespaces.name, namespace));
  if (!existing) {
    await db
      .insert(namespaces)
      .values({ name: namespace, follows: [name] })
      .onConflictDoNothing();
    return;
  }
  if (followsRepository(existing.follows, name)) return;
  await db
    .update(namespaces)
    .set({ follows: [...existing.follows, name] })
    .where(eq(namespaces.name, namespace));
}

function view(follow: Awaited<ReturnType<typeof listFollows>>[number]) {
  const { hookTokenHash, createdAt, polledAt, ...rest } = follow;
  return {
    ...rest,
    hook: hookTokenHash !== null,
    createdAt: createdAt.toISOString(),
    polledAt: polledAt?.toISOString() ?? null,
  };
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
