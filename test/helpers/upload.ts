/**
 * An HTTP POST written by hand on a TCP socket, streaming its body chunk by chunk, that records
 * what the server did with it: the answer, how many bytes had gone out when it came, and
 * whether the server let the rest in. fetch and node:http cannot tell these apart: they turn a
 * refused upload into a network error, or hang up on their own once an answer says close.
 */
import { connect, type Socket } from "node:net";

export interface UploadOptions {
  headers: Record<string, string>;
  /** The body: `chunk`, sent `times` times (one Buffer, so a large upload costs this process nothing). */
  chunk: Buffer;
  times?: number;
  /** The Content-Length to declare; chunked transfer encoding when omitted. */
  contentLength?: number;
  /** After the first chunk, wait this long for an answer before sending the rest. */
  answerWithinMs?: number;
  /**
   * Keep sending after the answer, to see whether the server takes the rest in. By default
   * the upload stops at the answer, as RFC 9112 §9.6 asks of clients.
   */
  sendAfterAnswer?: boolean;
  timeoutMs?: number;
}

export interface UploadResult {
  /** Undefined when the connection closed without an answer. */
  status: number | undefined;
  body: string;
  /** Body bytes the socket had taken when the answer arrived. */
  sentBeforeAnswer: number | undefined;
  sent: number;
  /** The whole body went out: the server read it, or at least did not hang up first. */
  complete: boolean;
}

export async function upload(url: string, options: UploadOptions): Promise<UploadResult> {
  const { chunk, times = 1, timeoutMs = 20_000 } = options;
  const target = new URL(url);
  const chunked = options.contentLength === undefined;
  const socket = connect(Number(target.port), target.hostname);
  const result: UploadResult = { status: undefined, body: "", sentBeforeAnswer: undefined, sent: 0, complete: false };
  // A refused upload ends in EPIPE or ECONNRESET; the answer, if any, is what counts.
  socket.on("error", () => {});
  const closed = new Promise<false>((resolve) => socket.once("close", () => resolve(false)));
  const answered = readAnswer(socket, result);
  const stop = options.sendAfterAnswer ? closed : Promise.race([closed, answered.then(() => false as const)]);
  const write = (data: Buffer | string) =>
    Promise.race([new Promise<boolean>((resolve) => socket.write(data, (error) => resolve(!error))), stop]);

  async function send(): Promise<void> {
    const framing = chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(options.contentLength) };
    const headers = Object.entries({ host: target.host, ...options.headers, ...framing }).map(
      ([k, v]) => `${k}: ${v}\r\n`,
    );
    if (!(await write(`POST ${target.pathname}${target.search} HTTP/1.1\r\n${headers.join("")}\r\n`))) return;
    for (let i = 0; i < times; i++) {
      if (chunked) socket.write(`${chunk.length.toString(16)}\r\n`);
      if (chunked) socket.write(chunk);
      if (!(await write(chunked ? "\r\n" : chunk))) return;
      result.sent += chunk.length;
      if (i === 0 && options.answerWithinMs)
        await Promise.race([answered, closed, new Promise((r) => setTimeout(r, options.answerWithinMs))]);
    }
    result.complete = chunked ? await write("0\r\n\r\n") : true;
  }

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer and no close within ${timeoutMs} ms (sent ${result.sent} bytes)`)),
      timeoutMs,
    );
  });
  try {
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    await Promise.race([send(), timeout]);
    await Promise.race([answered, closed, timeout]);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
  return result;
}

/** Resolves once a whole answer (status line, headers, body by Content-Length or chunks) has arrived. */
function readAnswer(socket: Socket, result: UploadResult): Promise<void> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = received.subarray(0, end).toString("latin1");
      const body = /^transfer-encoding:\s*chunked/im.test(head)
        ? unchunk(received.subarray(end + 4))
        : byLength(received.subarray(end + 4), head);
      if (body === undefined) return;
      socket.off("data", onData);
      Object.assign(result, {
        status: Number(head.split(" ")[1]),
        body: body.toString("utf8"),
        sentBeforeAnswer: result.sent,
      });
      resolve();
    };
    socket.on("data", onData);
  });
}

function byLength(rest: Buffer, head: string): Buffer | undefined {
  const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
  return rest.length < length ? undefined : rest.subarray(0, length);
}

/** The body of a chunked answer, or undefined while its last chunk has not arrived. */
function unchunk(rest: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  for (let at = 0; ; ) {
    const line = rest.indexOf("\r\n", at);
    if (line < 0) return undefined;
    const size = parseInt(rest.subarray(at, line).toString("latin1"), 16);
    if (rest.length < line + 2 + size + 2) return undefined;
    if (size === 0) return Buffer.concat(parts);
    parts.push(rest.subarray(line + 2, line + 2 + size));
    at = line + 2 + size + 2;
  }
}
