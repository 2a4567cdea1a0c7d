/**
 * The real `git http-backend` CGI behind a fake forge's git smart HTTP: the request piped in,
 * its CGI headers parsed into the HTTP status and headers, the pack streamed back. Both fakes
 * serve git this way (fetch by SHA and partial clones allowed, as GitHub and Gitaly allow), and
 * decide themselves who may clone before calling it.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Runs the backend for `pathInfo` under `projectRoot` as `user`; resolves the status sent. */
export function runBackend(
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
      // What GitHub and GitLab allow: `git fetch origin <sha>` for any reachable commit, partial clones.
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
