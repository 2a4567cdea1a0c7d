/**
 * The REST half: `/api/v4/...` matched against route templates spelled as GitLab's docs spell
 * them (`/projects/:id/statuses/:sha`), on the raw path so a URL-encoded project path
 * (`acme%2Fwidgets`) or file path stays one segment. Authenticates the bot's token (GitLab's
 * `PRIVATE-TOKEN` header or `Authorization: Bearer`), resolves `:id` to a project (numeric id
 * or full path) and answers GitLab's 401/404 bodies before a route sees the request.
 */
import type { IncomingMessage } from "node:http";
import { message, notFound, parseParams, readBody, type Params, type Reply } from "./http.ts";
import type { GitLabState, ProjectEntry } from "./state.ts";

export interface RouteContext {
  state: GitLabState;
  url: URL;
  /** Path parameters, URL-decoded. */
  path: Record<string, string>;
  /** Query and body parameters merged. */
  params: Params;
  /** The project `:id` names (routes without `:id` get none). */
  project: ProjectEntry;
}

export interface Route {
  method: string;
  template: string;
  handle(ctx: RouteContext): Reply | Promise<Reply>;
}

interface Compiled {
  route: Route;
  segments: string[];
}

export function compile(routes: Route[]): Compiled[] {
  return routes.map((route) => ({ route, segments: route.template.split("/").filter(Boolean) }));
}

function match(compiled: Compiled, method: string, segments: string[]): Record<string, string> | undefined {
  if (compiled.route.method !== method || compiled.segments.length !== segments.length) return undefined;
  const path: Record<string, string> = {};
  for (const [i, want] of compiled.segments.entries()) {
    const got = segments[i] ?? "";
    if (want.startsWith(":")) {
      try {
        path[want.slice(1)] = decodeURIComponent(got);
      } catch {
        return undefined;
      }
    } else if (want !== got) return undefined;
  }
  return path;
}

type Caller = "bot" | "anonymous" | "invalid";

function identify(req: IncomingMessage, state: GitLabState): Caller {
  const privateToken = req.headers["private-token"];
  const authorization = req.headers.authorization;
  if (privateToken === undefined && authorization === undefined) return "anonymous";
  if (typeof privateToken === "string") return privateToken === state.token ? "bot" : "invalid";
  const [scheme = "", credential = ""] = String(authorization).trim().split(/\s+/, 2);
  return scheme.toLowerCase() === "bearer" && credential === state.token ? "bot" : "invalid";
}

/** Answers one `/api/v4` request; `apiPath` is the raw pathname after `/api/v4`. */
export async function handleApi(
  req: IncomingMessage,
  url: URL,
  apiPath: string,
  table: Compiled[],
  state: GitLabState,
): Promise<Reply> {
  const method = req.method ?? "GET";
  const caller = identify(req, state);
  if (caller === "invalid") return message(401, "401 Unauthorized");
  const segments = apiPath.split("/").filter(Boolean);
  let found: { route: Route; path: Record<string, string> } | undefined;
  for (const compiled of table) {
    const path = match(compiled, method, segments);
    if (path) {
      found = { route: compiled.route, path };
      break;
    }
  }
  if (!found) return message(404, "404 Not Found");
  let project: ProjectEntry | undefined;
  if (found.path.id !== undefined) {
    project = state.findProject(found.path.id);
    const visible = project && (caller === "bot" || (project.project.visibility === "public" && method === "GET"));
    if (!project || !visible) return caller === "anonymous" ? message(401, "401 Unauthorized") : notFound("Project");
  } else if (caller !== "bot") return message(401, "401 Unauthorized");
  const params = parseParams(url, String(req.headers["content-type"] ?? ""), await readBody(req));
  if (!params) return message(400, "400 Bad request - Invalid JSON");
  return found.route.handle({ state, url, path: found.path, params, project: project as ProjectEntry });
}
