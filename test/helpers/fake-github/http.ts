/**
 * Response plumbing shared by every endpoint: GitHub's headers and error shapes. Octokit's
 * plugins read these headers (rate limits, request id), so they must be there as on GitHub.
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { writeReply } from "../http-reply.ts";

export { readBody } from "../http-reply.ts";

export interface Reply {
  status: number;
  body?: unknown;
  /** Raw bytes instead of JSON (e.g. `application/vnd.github.raw`). */
  raw?: Buffer;
  headers?: Record<string, string>;
}

const DOCS = "https://docs.github.com/rest";

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

/** GitHub's error body: `{ message, documentation_url, status }`. */
export function error(
  status: number,
  message: string,
  documentationUrl = DOCS,
  extra: Record<string, unknown> = {},
): Reply {
  return { status, body: { message, documentation_url: documentationUrl, ...extra, status: String(status) } };
}

export const notFound = (): Reply => error(404, "Not Found");

function requestId(): string {
  const hex = randomBytes(10).toString("hex").toUpperCase();
  return `${hex.slice(0, 4)}:${hex.slice(4, 9)}:${hex.slice(9, 15)}:${hex.slice(15, 20)}:${Math.floor(Date.now() / 1000)
    .toString(16)
    .toUpperCase()}`;
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  const reset = Math.floor(Date.now() / 1000) + 3600;
  const headers: Record<string, string> = {
    "x-github-request-id": requestId(),
    "x-github-api-version-selected": "2022-11-28",
    "x-github-media-type": "github.v3; format=json",
    // A generous, never-exhausted budget: throttling must not kick in unless a test wants it.
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(reset),
    "x-ratelimit-used": "1",
    "x-ratelimit-resource": "core",
    ...reply.headers,
  };
  writeReply(res, reply, headers, { contentType: "application/json; charset=utf-8", indent: 2 });
}

/**
 * GitHub's pagination: `per_page` (default 30, max 100) and `page`, with a `Link` header
 * Octokit's paginate() follows.
 */
export function paginate<T>(items: T[], url: URL): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page") ?? 30) || 30, 1), 100);
  const pageNo = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number, rel: string) => {
    const u = new URL(url);
    u.searchParams.set("page", String(n));
    u.searchParams.set("per_page", String(perPage));
    return `<${u}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNo < last) links.push(link(pageNo + 1, "next"), link(last, "last"));
  if (pageNo > 1) links.push(link(1, "first"), link(pageNo - 1, "prev"));
  return {
    page: items.slice((pageNo - 1) * perPage, pageNo * perPage),
    headers: links.length ? { link: links.join(", ") } : {},
  };
}

export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function nodeId(kind: string, id: number): string {
  return Buffer.from(`0${kind.length}:${kind}${id}`).toString("base64").replace(/=+$/, "");
}
