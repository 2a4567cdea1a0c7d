/**
 * A webhook relay channel as smee.io runs one: GitHub posts a delivery to the channel's URL,
 * and every client listening on it (server-sent events, `GET` with `Accept:
 * text/event-stream`) gets it as one `message` event whose JSON holds the delivery's headers
 * as keys (lower case), the payload parsed as `body`, and `query` and `timestamp` — not the
 * raw bytes, as smee.io sends it. `drop()` closes every listener's stream, as a relay restart
 * or a lost connection would.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeWebhookRelay {
  /** The channel: WEBHOOK_PROXY_URL, and where "GitHub" posts. */
  url: string;
  /** Streams open now. */
  listeners(): number;
  drop(): void;
  close(): Promise<void>;
}

export async function startFakeWebhookRelay(): Promise<FakeWebhookRelay> {
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write("event: ready\ndata: {}\n\n");
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      const message = { ...req.headers, body: JSON.parse(raw), query: {}, timestamp: Date.now() };
      // A message's data is one line: JSON.stringify never writes a raw newline.
      for (const stream of streams) stream.write(`id: ${Date.now()}\ndata: ${JSON.stringify(message)}\n\n`);
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const drop = () => {
    for (const stream of streams) stream.destroy();
    streams.clear();
  };
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/channel`,
    listeners: () => streams.size,
    drop,
    async close() {
      drop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
