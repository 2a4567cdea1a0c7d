/**
 * The bot's GitLab client against a real HTTP server that answers as a busy GitLab does: a 429
 * is waited for as long as its Retry-After asks, then the request goes through; 502s (a GitLab
 * restarting behind nginx) are retried with a growing back-off; a 404 is thrown at once, one
 * request only, as a GitLabApiError with the status and GitLab's message; and a request that
 * still fails after all its tries throws with the last status, so the caller's bus message is
 * taken again later rather than lost.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GitLabApiError, gitlabClient, type RetryPolicy } from "../../../../bot/forges/gitlab/client.ts";

type Answer = (res: ServerResponse) => void;

const PROJECT = { id: 7, path_with_namespace: "acme/sub/widgets", default_branch: "main" };
const ok: Answer = (res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(PROJECT));
};
const status =
  (code: number, headers: Record<string, string> = {}, body = JSON.stringify({ message: `${code} said GitLab` })) =>
  (res: ServerResponse) => {
    res.writeHead(code, { "content-type": "application/json", ...headers });
    res.end(body);
  };
const BAD_GATEWAY = status(
  502,
  { "content-type": "text/html" },
  "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
);

let server: Server;
let url: string;
/** What the server answers, in turn; the last one again once the list is used up. */
let script: Answer[] = [];
let seen: { at: number; path: string; token: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ at: Date.now(), path: req.url ?? "", token: req.headers["private-token"] as string | undefined });
    req.resume();
    (script[seen.length - 1] ?? script[script.length - 1] ?? ok)(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen = [];
});

const RETRY: RetryPolicy = { tries: 4, baseDelayMs: 10, maxDelayMs: 2_000 };
const client = (retry = RETRY) => gitlabClient({ url, token: "glpat-test", retry });
const show = (retry?: RetryPolicy) => client(retry).Projects.show("acme/sub/widgets");

describe("gitlabClient", () => {
  it("asks GitLab's REST API with the bot's token and answers its JSON", async () => {
    script = [ok];
    expect(await show()).toMatchObject(PROJECT);
    expect(seen).toMatchObject([{ path: "/api/v4/projects/acme%2Fsub%2Fwidgets", token: "glpat-test" }]);
  });

  it("waits as long as a 429's Retry-After asks, then succeeds", async () => {
    script = [status(429, { "retry-after": "1" }, JSON.stringify({ message: "Retry later" })), ok];
    const started = Date.now();
    expect(await show()).toMatchObject(PROJECT);
    expect(seen).toHaveLength(2);
    const waited = seen[1]!.at - seen[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it("retries 502s with a growing back-off, then succeeds", async () => {
    script = [BAD_GATEWAY, BAD_GATEWAY, BAD_GATEWAY, ok];
    const slower: RetryPolicy = { tries: 5, baseDelayMs: 40, maxDelayMs: 2_000 };
    expect(await show(slower)).toMatchObject(PROJECT);
    expect(seen).toHaveLength(4);
    const gaps = seen.slice(1).map((s, i) => s.at - seen[i]!.at);
    // 40, 80, 160 ms: each wait at least its back-off (timers never fire early).
    expect(gaps[0]).toBeGreaterThanOrEqual(39);
    expect(gaps[1]).toBeGreaterThanOrEqual(79);
    expect(gaps[2]).toBeGreaterThanOrEqual(159);
  });

  it("throws a 404 at once, with the status and GitLab's message, after one request", async () => {
    script = [status(404, {}, JSON.stringify({ message: "404 Project Not Found" })), ok];
    const error = await show().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitLabApiError);
    expect(error).toMatchObject({
      status: 404,
      description: "404 Project Not Found",
      endpoint: "GET /api/v4/projects/acme%2Fsub%2Fwidgets",
    });
    expect(seen).toHaveLength(1);
  });

  it("throws with the last status once every try failed", async () => {
    script = [BAD_GATEWAY, status(503)];
    const error = await show({ tries: 3, baseDelayMs: 10, maxDelayMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitLabApiError);
    expect(error).toMatchObject({ status: 503, description: "503 said GitLab" });
    expect(seen).toHaveLength(3);
  });

  it("a Retry-After longer than the policy allows is cut to maxDelayMs", async () => {
    script = [status(429, { "retry-after": "3600" }), ok];
    const started = Date.now();
    expect(await show({ tries: 2, baseDelayMs: 10, maxDelayMs: 50 })).toMatchObject(PROJECT);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("gitlabClient against a GitLab that drops connections", () => {
  it("tries again when the connection is reset, and goes through once GitLab answers", async () => {
    let resets = 2;
    const flaky = createServer((req, res) => {
      if (resets-- > 0) return req.socket.destroy();
      ok(res);
    });
    await new Promise<void>((resolve) => flaky.listen(0, "127.0.0.1", resolve));
    try {
      const at = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
      const project = await gitlabClient({ url: at, token: "glpat-test", retry: RETRY }).Projects.show(
        "acme/sub/widgets",
      );
      expect(project.path_with_namespace).toBe("acme/sub/widgets");
      expect(resets).toBe(-1);
    } finally {
      flaky.closeAllConnections();
      await new Promise<void>((resolve) => flaky.close(() => resolve()));
    }
  });
});
