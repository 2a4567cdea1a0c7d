/**
 * Git smart HTTP as GitLab serves it, `${url}/<group/sub/project>.git/info/refs` and
 * `/git-upload-pack`, answered by the real `git http-backend` from the project's repository
 * (symlinked as `<root>/<path>.git`, so new commits and refs/merge-requests/* show at once).
 * Who may clone, as on GitLab: anyone for a public project; for a private one HTTP Basic with a
 * deploy token of THAT project (user name = the token's username, password = the token, not
 * revoked or expired, scope read_repository) or the bot's API token (any user name); anything
 * else is 401 with `WWW-Authenticate: Basic realm="GitLab"`. Pushes are refused (403).
 * Every `info/refs` request is recorded in `clones`; a git client that gets 401 and has
 * credentials asks again with them, so one clone may leave a refused and an accepted record.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { runBackend } from "../git-http-backend.ts";
import type { GitLabState } from "./state.ts";

const GIT_PATH = /^\/(.+?)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export const isGitRequest = (pathname: string): boolean => GIT_PATH.test(pathname);

function basicAuth(req: IncomingMessage): { username: string; password: string } | undefined {
  const [scheme = "", credential = ""] = String(req.headers.authorization ?? "")
    .trim()
    .split(/\s+/, 2);
  if (scheme.toLowerCase() !== "basic") return undefined;
  const decoded = Buffer.from(credential, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Answers a git HTTP request; returns the status sent, for the request log. */
export async function serveGit(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: GitLabState,
  gitRoot: string,
): Promise<number> {
  const [, rawPath = "", action = ""] = GIT_PATH.exec(url.pathname) ?? [];
  const path = decodeURIComponent(rawPath);
  const entry = state.findProject(path);
  const service = action === "info/refs" ? (url.searchParams.get("service") ?? "") : action;
  const auth = basicAuth(req);
  const refuse = (status: number, text: string, headers: Record<string, string> = {}): number => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
    res.end(`${text}\n`);
    return status;
  };
  const challenge = { "www-authenticate": 'Basic realm="GitLab"' };
  const botCredential = auth?.password === state.token;
  const deployCredential =
    entry &&
    auth &&
    state.deployTokens.some(
      (t) =>
        t.projectId === entry.project.id &&
        t.username === auth.username &&
        t.token === auth.password &&
        !t.revoked &&
        (t.expiresAt === null || Date.parse(t.expiresAt) > Date.now()) &&
        t.scopes.includes("read_repository"),
    );
  const allowed = Boolean(entry && (entry.project.visibility === "public" || botCredential || deployCredential));
  if (action === "info/refs" && entry && service === "git-upload-pack") {
    state.clones.push({ project: entry.project.path, username: auth?.username ?? null, ok: allowed });
  }
  if (!entry) {
    return botCredential
      ? refuse(404, "The project you were looking for could not be found.")
      : refuse(401, "HTTP Basic: Access denied", challenge);
  }
  if (service === "git-receive-pack") return refuse(403, "You are not allowed to push code to this project.");
  if (service !== "git-upload-pack") return refuse(403, "Only smart HTTP is served.");
  if (!allowed) return refuse(401, "HTTP Basic: Access denied", challenge);
  return runBackend(req, res, url, gitRoot, `/${entry.project.path}.git/${action}`, auth?.username ?? "");
}
