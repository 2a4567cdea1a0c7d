/**
 * `POST PUBLIC_URL/git/hook` — what a followed repository's `post-receive` hook calls
 * (hook-script.ts), so the bot polls it at once instead of at the next interval. The body names
 * the repository (`{"repository": NAME or URL}`); `Authorization: Bearer` carries that
 * repository's hook token, of which the bot keeps only a hash (follows-store.ts). A missing or
 * wrong token, or a repository not followed, is 401 — the two are not told apart. The answer,
 * 202, comes once the poll has stored what it found.
 */
import type { Logger } from "pino";
import { BodyTooLarge, pathOf, readBody, refuseUpload, sendJson, type Handler } from "../../http/handler.ts";
import type { Db } from "../../../db/client.ts";
import { findFollow, hookTokenMatches } from "./follows-store.ts";
import type { GitPoller } from "./poller.ts";

export const HOOK_PATH = "/git/hook";

export function gitHookHandler(options: { db: Db; poller: GitPoller; log: Logger }): Handler {
  return async (req, res) => {
    if (pathOf(req).path !== HOOK_PATH) return false;
    if (req.method !== "POST") return sendJson(res, 405, { error: "POST the repository's name" });
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (!token)
      return refuseUpload(req, res, 401, {
        error: "missing `Authorization: Bearer <hook token>` (flotilla follow-git --print-hook)",
      });
    let body: string;
    try {
      body = await readBody(req, 64 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLarge) return refuseUpload(req, res, 413, { error: error.message });
      return sendJson(res, 400, { error: "could not read the body" });
    }
    const repository = repositoryOf(body);
    if (!repository) return sendJson(res, 400, { error: 'body must be {"repository": NAME or URL}' });
    const follow = await findFollow(options.db, repository);
    if (!follow || !hookTokenMatches(follow, token))
      return sendJson(res, 401, { error: "the hook token does not match a followed repository" });
    try {
      await options.poller.pollNow(follow.name);
    } catch (error) {
      options.log.error({ err: error, repo: follow.name }, "hook poll failed");
      return sendJson(res, 503, {
        error: "could not poll the repository now; it is polled again at the next interval",
      });
    }
    return sendJson(res, 202, { polled: follow.name });
  };
}

function repositoryOf(body: string): string | undefined {
  try {
    const value: unknown = JSON.parse(body);
    const repository = (value as { repository?: unknown } | null)?.repository;
    return typeof repository === "string" && repository !== "" ? repository : undefined;
  } catch {
    return undefined;
  }
}
