/**
 * `/api/v1/federation` — what `flotilla federation …` and `flotilla follow` call (docs/federation.md):
 *   POST   /api/v1/federation/publications         {pattern}: publish those repositories' events (upstream)
 *   POST   /api/v1/federation/followers            {name}: invite a follower; answers its credential (upstream)
 *   DELETE /api/v1/federation/followers/NAME       revoke it: its leaf connection is cut (upstream)
 *   POST   /api/v1/federation/followers/NAME/accept its results show on commits (upstream)
 *   POST   /api/v1/federation/upstreams            {credential}: join the upstream that invited us (downstream)
 *   POST   /api/v1/federation/follows              {repository, namespace?, branches?, upstream?} (downstream)
 * Upstream's routes answer 409 when the bot has no NATS authority or JetStream domain.
 */
import { z } from "zod";
import { NAMESPACE_PATTERN } from "../../protocol/names.ts";
import type { Result } from "../../protocol/result.ts";
import type { DownstreamFederation } from "../federation/downstream-control.ts";
import type { UpstreamFederation } from "../federation/upstream.ts";
import { pathOf, sendJson, type Handler } from "../http/handler.ts";
import type { ServerResponse } from "node:http";
import { authorized, jsonBody } from "./auth.ts";

const Pattern = z.object({ pattern: z.string().trim().min(1) });
const Follower = z.object({ name: z.string().regex(NAMESPACE_PATTERN, "letters, digits, '-' and '_' only") });
const Join = z.object({ credential: z.string().min(1) });
const Follow = z.object({
  repository: z.string().trim().min(1),
  namespace: z.string().regex(NAMESPACE_PATTERN).optional(),
  branches: z.array(z.string().trim().min(1)).max(100).default([]),
  upstream: z.string().optional(),
});

const NO_UPSTREAM =
  "federation needs the bot's NATS authority (FLOTILLA_NATS_AUTH_DIR) and a JetStream domain on its server";

export interface FederationHandlerOptions {
  token?: string;
  upstream?: UpstreamFederation;
  downstream: DownstreamFederation;
}

export function federationHandler(options: FederationHandlerOptions): Handler {
  return async (req, res) => {
    const path = pathOf(req).path;
    if (!path.startsWith("/api/v1/federation/")) return false;
    if (!authorized(req, res, options.token)) return true;
    const route = `${req.method} ${path.slice("/api/v1/federation/".length)}`;
    const { upstream, downstream } = options;
    const follower = /^(DELETE|POST) followers\/([^/]+)(\/accept)?$/.exec(route);
    if (route === "POST upstreams") {
      const body = await jsonBody(req, res, Join);
      return body ? answer(res, await downstream.join(body.credential)) : true;
    }
    if (route === "POST follows") {
      const body = await jsonBody(req, res, Follow);
      return body ? answer(res, await downstream.follow(body)) : true;
    }
    if (!upstream && /^(POST publications|POST followers|DELETE followers\/|POST followers\/)/.test(route)) {
      return sendJson(res, 409, { error: NO_UPSTREAM });
    }
    if (upstream && route === "POST publications") {
      const body = await jsonBody(req, res, Pattern);
      return body ? answer(res, await upstream.publish(body.pattern)) : true;
    }
    if (upstream && route === "POST followers") {
      const body = await jsonBody(req, res, Follower);
      return body ? answer(res, await upstream.invite(body.name)) : true;
    }
    if (upstream && follower) {
      const name = decodeURIComponent(follower[2]!);
      if (follower[1] === "DELETE" && !follower[3]) return answer(res, await upstream.revoke(name));
      if (follower[1] === "POST" && follower[3]) return answer(res, await upstream.accept(name));
    }
    return sendJson(res, 404, { error: `no ${route} in /api/v1/federation` });
  };
}

function answer(res: ServerResponse, result: Result<unknown>): true {
  return result.ok ? sendJson(res, 200, { result: result.value }) : sendJson(res, 400, { error: result.reason });
}
