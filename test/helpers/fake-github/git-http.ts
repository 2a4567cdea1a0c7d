/**
 * Git smart HTTP (clone/fetch) served by the real `git http-backend` CGI, so the runner's
 * checkout meets a real git server: protocol v2, fetch by SHA, partial clone, auth failures.
 *
 * Each repository is exposed under a private project root as a symlink
 * `<root>/<owner>/<name>.git → <work tree>/.git`, so new commits and refs/pull/* made by the
 * test are served at once without a mirror to keep in sync.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { runBackend } from "../git-http-backend.ts";
import { hasPermission, identify, tokenCovers, type AppKey } from "./auth.ts";
import type { FakeState } from "./state.ts";
import type { RepoEntry } from "./types.ts";

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+)$/;

export function isGitRequest(pathname: string): boolean {
  return GIT_PATH.test(pathname);
}

export interface GitHttpOptions {
  state: FakeState;
  key: AppKey;
  projectRoot: string;
  findRepo(owner: string, name: string): RepoEntry | undefined;
}

/** Answers a git HTTP request; returns the status sent, for the request log. */
export async function serveGit(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  opts: GitHttpOptions,
): Promise<number> {
  const [, owner = "", name = "", action = ""] = GIT_PATH.exec(url.pathname) ?? [];
  const repo = opts.findRepo(decodeURIComponent(owner), decodeURIComponent(name));
  const service = action === "info/refs" ? (url.searchParams.get("service") ?? "dumb") : action;
  const caller = identify(req, opts.state, opts.key);
  const token = caller.kind === "installation" ? caller.token : null;

  const refuse = (status: number, message: string, headers: Record<string, string> = {}): number => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
    res.end(`${message}\n`);
    return status;
  };
  const record = (status: number): number => {
    if (action === "info/refs" && repo) {
      opts.state.clones.push({ repo: repo.fullName, token: token?.token ?? null, service, status });
      opts.state.changed();
    }
    return status;
  };

  if (!repo) return refuse(404, "Repository not found.");
  // Only smart HTTP reads: GitHub serves no dumb protocol, and nothing here may push.
  if (service !== "git-upload-pack") return record(refuse(403, "Write access to repository not granted."));
  const challenge = { "www-authenticate": 'Basic realm="GitHub"' };
  if (caller.kind === "invalid" || caller.kind === "app")
    return record(refuse(401, "Invalid username or token.", challenge));
  if (repo.private) {
    if (!token) return record(refuse(401, "Authentication required.", challenge));
    if (!tokenCovers(token, repo.installationId, repo.fullName)) return record(refuse(404, "Repository not found."));
    if (!hasPermission(token.permissions, "contents", "read"))
      return record(refuse(403, "Permission to contents denied."));
  }
  return record(
    await runBackend(req, res, url, opts.projectRoot, `/${repo.fullName}.git/${action}`, token ? "x-access-token" : ""),
  );
}
