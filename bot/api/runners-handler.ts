/**
 * `GET /api/v1/runners[?namespace=NAME][&all=true]` — what `flotilla runners` prints: every
 * runner with its state, current jobs and last heartbeat. Removed runners only with `all`.
 */
import type { Db } from "../../db/client.ts";
import { NAMESPACE_PATTERN } from "../../protocol/names.ts";
import { listRunners } from "../fleet/list-runners.ts";
import { pathOf, sendJson, type Handler } from "../http/handler.ts";
import { authorized } from "./auth.ts";

export function runnersHandler(options: { db: Db; token?: string; publicUrl: string }): Handler {
  return async (req, res) => {
    const { path, query } = pathOf(req);
    if (path !== "/api/v1/runners") return false;
    if (req.method !== "GET") return sendJson(res, 405, { error: "GET the runners" });
    if (!authorized(req, res, options.token)) return true;
    const namespace = query.get("namespace") ?? undefined;
    if (namespace !== undefined && !NAMESPACE_PATTERN.test(namespace))
      return sendJson(res, 400, { error: `namespace "${namespace}" may only hold letters, digits, '-' and '_'` });
    const all = ["1", "true", "yes"].includes(query.get("all") ?? "");
    const runners = await listRunners(options.db, { namespace, all, publicUrl: options.publicUrl });
    return sendJson(res, 200, { runners, now: new Date().toISOString() });
  };
}
