/**
 * Response plumbing in GitLab's shapes: errors are `{"message": "404 Project Not Found"}`,
 * lists are paginated with `page`/`per_page` and answered with the `x-page`, `x-next-page`,
 * `x-total-pages`… and `Link` headers GitLab sends (gitbeaker follows `Link: rel="next"`),
 * and parameters come from the query string, a JSON body or a form body alike, as Grape reads them.
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { writeReply } from "../http-reply.ts";

export { readBody } from "../http-reply.ts";

export interface Reply {
  status: number;
  body?: unknown;
  /** Raw bytes instead of JSON (raw files, nginx's error page). */
  raw?: Buffer;
  headers?: Record<string, string>;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body,
  headers,
});

/** GitLab's error body: `{ message }`. */
export const message = (status: number, text: string): Reply => ({ status, body: { message: text } });

/** Grape's `not_found!(resource)`: "404 <resource> Not Found". */
export const notFound = (resource: string): Reply => message(404, `404 ${resource} Not Found`);

export const noContent = (): Reply => ({ status: 204 });

export function sendReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = {
    "x-request-id": randomUUID().replace(/-/g, "").slice(0, 26).toUpperCase(),
    "x-gitlab-meta": JSON.stringify({ correlation_id: randomUUID(), version: "1" }),
    "cache-control": "no-cache",
    ...reply.headers,
  };
  writeReply(res, reply, headers, { contentType: "application/json" });
}

export type Params = Record<string, unknown>;

/**
 * Query string, then the body on top (JSON or form-encoded): Grape merges them into one
 * `params`. Undefined when the body is not valid JSON (GitLab answers 400 then).
 */
export function parseParams(url: URL, contentType: string, raw: Buffer): Params | undefined {
  const params: Params = Object.fromEntries(url.searchParams.entries());
  if (raw.length === 0) return params;
  const text = raw.toString("utf8");
  if (contentType.includes("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(text)) params[key.replace(/\[\]$/, "")] = value;
    return params;
  }
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === "object" && !Array.isArray(body)) Object.assign(params, body);
    return params;
  } catch {
    return undefined;
  }
}

export const str = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : String(value);

export const bool = (value: unknown): boolean => value === true || value === "true" || value === "1";

/** GitLab's offset pagination: per_page default 20, max 100; page from 1. */
export function paginate<T>(items: T[], url: URL): Reply & { body: T[] } {
  const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page") ?? 20) || 20, 1), 100);
  const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
  const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number, rel: string) => {
    const u = new URL(url);
    u.searchParams.set("page", String(n));
    u.searchParams.set("per_page", String(perPage));
    return `<${u}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(page - 1, "prev")] : []),
    ...(page < totalPages ? [link(page + 1, "next")] : []),
    link(1, "first"),
    link(totalPages, "last"),
  ];
  return {
    status: 200,
    body: items.slice((page - 1) * perPage, page * perPage),
    headers: {
      "x-page": String(page),
      "x-per-page": String(perPage),
      "x-next-page": page < totalPages ? String(page + 1) : "",
      "x-prev-page": page > 1 ? String(page - 1) : "",
      "x-total": String(items.length),
      "x-total-pages": String(totalPages),
      link: links.join(", "),
    },
  };
}

/** GitLab's API timestamps: ISO 8601 with milliseconds and Z. */
export const nowIso = (): string => new Date().toISOString();
