/**
 * HTTP as Probot does it: a chain of handlers, each answering and returning true, or passing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

export class BodyTooLarge extends Error {
  override name = "BodyTooLarge";
}

/** GitHub caps webhook payloads at 25 MB; anything larger is not from a forge. */
export async function readBody(req: IncomingMessage, limit = 25 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function sendJson(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
  return true;
}

export function pathOf(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const url = new URL(req.url ?? "/", "http://flotilla.invalid");
  return { path: url.pathname, query: url.searchParams };
}
