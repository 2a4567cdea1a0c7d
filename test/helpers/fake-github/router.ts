/**
 * The REST half of the fake: match `/api/v3/...` to a route, authenticate, check the token's
 * repository scope and permissions, validate the body against GitHub's OpenAPI schema, and
 * answer. Anything unmatched is a 404 recorded as unexpected, so a test can see which call
 * the fake does not know (rather than the product silently getting nothing).
 */
import type { IncomingMessage } from "node:http";
import { describeCaller, hasPermission, identify, tokenCovers, type AppKey } from "./auth.ts";
import { faultReply, landsBeforeFailing } from "./faults.ts";
import { error, notFound, readBody, type Reply } from "./http.ts";
import type { Site } from "./objects.ts";
import { validateRequestBody } from "./openapi-validator.ts";
import type { Route } from "./route.ts";
import type { FakeState } from "./state.ts";
import type { JsonObject, RepoEntry } from "./types.ts";

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
}

interface RestOptions {
  site: Site;
  state: FakeState;
  key: AppKey;
  routes: Route[];
  findRepo(owner: string, name: string): RepoEntry | undefined;
}

/** `{name}` matches one segment; `{path}` (contents) matches the rest, slashes included, or nothing. */
export function compile(routes: Route[]): CompiledRoute[] {
  return routes.map((route) => {
    const source = route.template
      .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
      .replace(/\/\{path\}/g, "(?:/(?<path>.*))?")
      .replace(/\{(\w+)\}/g, "(?<$1>[^/]+)");
    return { route, pattern: new RegExp(`^${source}/?$`) };
  });
}

type RestAnswer = { reply: Reply; caller: string; expected: boolean };
/** The request, its URL, the path under `/api/v3`, the routes, and what they answer from. */
type RestRequest = [req: IncomingMessage, url: URL, apiPath: string, table: CompiledRoute[], opts: RestOptions];

/** Every REST request, counted against its caller's budget when the fake has one (rate-limit.ts). */
export async function handleRest(...request: RestRequest): Promise<RestAnswer> {
  const [req, url, , , opts] = request;
  const limiter = opts.state.rateLimiter;
  if (!limiter) return answerRest(...request);
  const who = describeCaller(identify(req, opts.state, opts.key));
  const { headers, refused } = limiter.take(who);
  if (refused) {
    opts.state.rateLimited.push({ method: req.method ?? "GET", path: url.pathname, caller: who, at: Date.now() });
    opts.state.changed();
    return { reply: refused, caller: who, expected: true };
  }
  const answer = await answerRest(...request);
  return { ...answer, reply: { ...answer.reply, headers: { ...answer.reply.headers, ...headers } } };
}

async function answerRest(...[req, url, apiPath, table, opts]: RestRequest): Promise<RestAnswer> {
  const method = req.method ?? "GET";
  const match = table
    .map((c) => ({ c, m: c.route.method === method ? c.pattern.exec(apiPath) : null }))
    .find((x) => x.m);
  const caller = identify(req, opts.state, opts.key);
  const who = describeCaller(caller);
  if (!match?.m) return { reply: notFound(), caller: who, expected: false };
  const route = match.c.route;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(match.m.groups ?? {})) params[name] = decodeURIComponent(value ?? "");

  if (caller.kind === "invalid") return { reply: error(401, caller.reason), caller: who, expected: true };
  const raw = await readBody(req);
  let body: JsonObject | undefined;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString("utf8")) as JsonObject;
    } catch {
      return { reply: error(400, "Problems parsing JSON"), caller: who, expected: true };
    }
  }
  const ctx = {
    site: opts.site,
    state: opts.state,
    url,
    params,
    body,
    caller,
    accept: String(req.headers.accept ?? ""),
  };

  const denied = (reply: Reply) => ({ reply, caller: who, expected: true });
  let repo: RepoEntry | undefined;
  if (route.auth === "app") {
    if (caller.kind !== "app") return denied(error(401, "A JSON web token could not be decoded"));
  } else {
    repo = opts.findRepo(params.owner ?? "", params.repo ?? "");
    if (!repo) return denied(notFound());
    if (caller.kind === "app" && !route.allowApp) return denied(error(403, "Resource not accessible by integration"));
    if (caller.kind === "anonymous") {
      // Public repositories can be read without credentials, as on GitHub.
      if (repo.private) return denied(notFound());
      if (method !== "GET") return denied(error(401, "Requires authentication"));
    }
    if (caller.kind === "installation") {
      if (!tokenCovers(caller.token, repo.installationId, repo.fullName)) return denied(notFound());
      const ok =
        route.permissions.length === 0 ||
        route.permissions.some(([name, level]) => hasPermission(caller.token.permissions, name, level));
      if (!ok) return denied(error(403, "Resource not accessible by integration"));
    }
  }

  if (method === "POST" || method === "PATCH" || method === "PUT") {
    const result = validateRequestBody(method, route.template, body ?? {});
    if (!result.valid) {
      opts.state.invalidRequests.push({ method, path: url.pathname, body, message: result.message });
      opts.state.changed();
      const errors = result.errors.map((e) => ({
        resource: route.template,
        code: "invalid",
        field: e.instancePath.replace(/^\//, ""),
        message: e.message,
      }));
      return denied(error(422, result.message, result.documentationUrl, { errors }));
    }
  }
  if (route.auth === "app" || !repo)
    return { reply: route.auth === "app" ? await route.handle(ctx) : notFound(), caller: who, expected: true };
  const fault =
    method === "GET" || method === "HEAD"
      ? undefined
      : opts.state.faults?.({ method, path: url.pathname, template: route.template, body });
  const landed = fault && landsBeforeFailing(fault) ? await route.handle({ ...ctx, repo }) : undefined;
  if (fault && (!landed || landed.status < 300)) {
    opts.state.injectedFaults.push({ method, path: url.pathname, fault });
    return { reply: faultReply(fault), caller: who, expected: true };
  }
  return { reply: landed ?? (await route.handle({ ...ctx, repo })), caller: who, expected: true };
}
