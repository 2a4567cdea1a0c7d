/**
 * Postgres statements the bot sends, counted on the wire: a TCP proxy between the bot and
 * Postgres that reads the frontend messages it forwards (unchanged) and counts each `Execute`
 * (extended protocol, what postgres.js sends per statement) and `Query` (simple protocol,
 * e.g. `begin`). The bot needs no change to be measured: its DATABASE_URL names the proxy.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface StatementCounter {
  /** The database URL that goes through the proxy. */
  url: string;
  /** Statements counted so far, over every connection. */
  count(): number;
  /** The same, by statement text (the first 120 characters), for finding which to remove. */
  byText(): Map<string, number>;
  close(): Promise<void>;
}

export async function startStatementCounter(databaseUrl: string): Promise<StatementCounter> {
  const target = new URL(databaseUrl);
  let statements = 0;
  const byText = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    // The startup message (and an SSL request before it) carries no type byte.
    let untyped = true;
    // Prepared statements are parsed once by name, then bound and executed by that name.
    const parsed = new Map<string, string>();
    let bound = "";
    const cstrings = (body: Buffer) => body.toString("utf8").split("\0");
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (untyped) {
          if (buffer.length < 8) break;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) break;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          // 80877103: SSLRequest, 80877104: GSSENCRequest — the real startup follows.
          if (code !== 80877103 && code !== 80877104) untyped = false;
          continue;
        }
        if (buffer.length < 5) break;
        const length = buffer.readInt32BE(1);
        if (buffer.length < 1 + length) break;
        const type = String.fromCharCode(buffer[0]!);
        const body = buffer.subarray(5, 1 + length);
        if (type === "P") {
          const [name = "", text = ""] = cstrings(body);
          parsed.set(name, text);
          if (name === "") bound = text;
        } else if (type === "B") bound = parsed.get(cstrings(body)[1] ?? "") ?? "";
        if (type === "E" || type === "Q") {
          statements++;
          const text = (type === "Q" ? (cstrings(body)[0] ?? "") : bound).replace(/\s+/g, " ").slice(0, 120);
          byText.set(text, (byText.get(text) ?? 0) + 1);
        }
        buffer = buffer.subarray(1 + length);
      }
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const url = new URL(databaseUrl);
  url.hostname = "127.0.0.1";
  url.port = String(typeof address === "object" && address ? address.port : 0);
  return {
    url: url.toString(),
    count: () => statements,
    byText: () => byText,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
