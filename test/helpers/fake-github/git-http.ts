/**
 * Git smart HTTP (clone/fetch) served by the real `git http-backend` CGI, so the runner's
 * checkout meets a real git server: protocol v2, fetch by SHA, partial clone, auth failures.
 *
 * Each repository is exposed under a private project root as a symlink
 * `<root>/<owner>/<name>.git → <work tree>/.git`, so new commits and refs/pull/* made by the
 * test are served at once without a mirror to keep in sync.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
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

function runBackend(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  projectRoot: string,
  pathInfo: string,
  user: string,
): Promise<number> {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(", ") : (value ?? "");
  };
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: pathInfo,
      QUERY_STRING: url.search.replace(/^\?/, ""),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: header("content-type"),
      ...(req.headers["content-length"] ? { CONTENT_LENGTH: header("content-length") } : {}),
      HTTP_CONTENT_ENCODING: header("content-encoding"),
      GIT_PROTOCOL: header("git-protocol"),
      REMOTE_USER: user,
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
      SERVER_PROTOCOL: "HTTP/1.1",
      // What GitHub allows: `git fetch origin <sha>` for any reachable commit, partial clones.
      GIT_CONFIG_COUNT: "3",
      GIT_CONFIG_KEY_0: "uploadpack.allowAnySHA1InWant",
      GIT_CONFIG_VALUE_0: "true",
      GIT_CONFIG_KEY_1: "uploadpack.allowReachableSHA1InWant",
      GIT_CONFIG_VALUE_1: "true",
      GIT_CONFIG_KEY_2: "uploadpack.allowFilter",
      GIT_CONFIG_VALUE_2: "true",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  // The backend may exit before reading everything (e.g. a bad request); that is not our error.
  child.stdin.on("error", () => {});
  req.pipe(child.stdin);
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    let pending: Buffer = Buffer.alloc(0);
    let status = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      if (status) {
        res.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const parsed = parseCgiHeaders(pending);
      if (!parsed) return;
      status = parsed.status;
      res.writeHead(parsed.status, parsed.headers);
      if (parsed.rest.length) res.write(parsed.rest);
    });
    child.on("close", (code) => {
      if (!status) {
        status = 500;
        res.writeHead(500, { "content-type": "text/plain" });
        res.write(`git http-backend failed (${code}): ${stderr}`);
      }
      res.end();
      resolve(status);
    });
  });
}

/** CGI response headers end at the first blank line; `Status:` carries the HTTP status. */
function parseCgiHeaders(
  buffer: Buffer,
): { status: number; headers: Record<string, string>; rest: Buffer } | undefined {
  const text = buffer.toString("latin1");
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of text.slice(0, match.index).split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "status") status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers, rest: buffer.subarray(match.index + match[0].length) };
}
