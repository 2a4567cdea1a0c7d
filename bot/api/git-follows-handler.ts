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
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import { findFollow, listFollows, newHookToken, removeFollow } from "../forges/git/follows-store.ts";
import { hookScript } from "../forges/git/hook-script.ts";
import { pathOf, sendJson, type Handler } from "../http/handler.ts";
import { addGitFollow, NewFollow } from "./add-git-follow.ts";
import { authorized, jsonBody } from "./auth.ts";

const PATH = /^\/api\/v1\/git-follows(?:\/(.+))?$/;

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
      const added = await addGitFollow(options, wanted);
      if (!added.ok) return sendJson(res, 400, { error: added.reason });
      const { follow, created } = added.value;
      return sendJson(res, created ? 201 : 200, view(follow));
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
