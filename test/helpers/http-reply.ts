/**
 * What both fake forges' HTTP layers share: writing a reply (raw bytes, or JSON with the
 * forge's content type) with its length, and reading a request body whole.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface ReplyBody {
  status: number;
  body?: unknown;
  raw?: Buffer;
}

/** Ends `res` with `reply`: `raw` as is, else `body` as JSON (`indent` spaces, as the forge formats it). */
export function writeReply(
  res: ServerResponse,
  reply: ReplyBody,
  headers: Record<string, string>,
  json: { contentType: string; indent?: number },
): void {
  let payload = reply.raw;
  if (!payload && reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body, null, json.indent));
    headers["content-type"] ??= json.contentType;
  }
  if (payload) headers["content-length"] = String(payload.length);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
