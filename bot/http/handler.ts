/**
 * HTTP as Probot does it: a chain of handlers, each answering and returning true, or passing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

export class BodyTooLarge extends Error {
  override name = "BodyTooLarge";
}

/** GitHub caps webhook payloads at 25 MB; anything larger is not from a forge. */
const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/** How long a refused upload's connection stays open, unread, so that its client reads the answer. */
const LINGER_MS = 1_000;

/**
 * The body as UTF-8 text, read while it stays within `limit` bytes. A Content-Length over the
 * limit is refused before a byte is read; a longer stream is paused at the limit. Either way
 * BodyTooLarge is thrown and the caller answers with `refuseUpload`, so that the rest is
 * never taken in. Also rejects when the client gives up half way.
 */
export function readBody(req: IncomingMessage, limit = WEBHOOK_BODY_LIMIT): Promise<string> {
  const tooLarge = () => new BodyTooLarge(`request body over ${limit} bytes`);
  if (Number(req.headers["content-length"]) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: Error | undefined) => {
      req.off("data", onData).off("end", onEnd).off("error", settle).off("close", onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.pause();
      chunks.length = 0;
      settle(tooLarge());
    };
    const onEnd = () => settle(undefined);
    const onClose = () => settle(new Error("the client closed the request before its body ended"));
    req.on("data", onData).on("end", onEnd).on("error", settle).on("close", onClose);
  });
}

/**
 * Answers a request whose body was not (all) read, and drops the connection without reading
 * the rest. Neither of Node's endings fits: keeping the connection alive makes it read the
 * whole upload to reach a next request, and closing it at once, with the upload still coming
 * in, resets the connection — which can destroy the answer before the client has read it
 * (RFC 9112 §9.6). So the answer goes out complete, with `Connection: close`, reading stays
 * paused (the client's writes stall in TCP's buffers, not in ours), and the socket is
 * destroyed when the client hangs up or after LINGER_MS. The response is deliberately never
 * ended: ending it would hand the socket back to Node.
 */
export function refuseUpload(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): true {
  req.pause();
  const text = JSON.stringify(body);
  res.writeHead(status, {
    connection: "close",
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  // A body already all in has nothing left to refuse: Node may close as usual.
  if (req.complete) {
    res.end(text);
    return true;
  }
  res.write(text);
  const socket = req.socket;
  const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once("close", () => clearTimeout(linger));
  return true;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
  return true;
}

/** The media type of the request's body, lower case and without parameters (`charset`). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
}

export function pathOf(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const url = new URL(req.url ?? "/", "http://flotilla.invalid");
  return { path: url.pathname, query: url.searchParams };
}
