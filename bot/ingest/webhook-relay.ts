/**
 * WEBHOOK_PROXY_URL: webhooks for a bot GitHub cannot reach (a laptop), through a relay
 * channel in smee.io's protocol. GitHub posts to the channel; the relay streams each delivery
 * to whoever listens (server-sent events, one JSON `message` per delivery: the headers as
 * keys, the payload as `body`, and — on relays that keep it — the bytes GitHub signed as
 * `rawBody`); this posts it to the bot's own intake, where the signature is checked as for any
 * webhook. What smee-client does, without the dependency. A dropped stream is opened again
 * (from 1 s, doubling to 30 s); a delivery sent while nobody listened is GitHub's to redeliver.
 */
import type { Logger } from "pino";

export interface WebhookRelay {
  stop(): void;
}

/** Headers that describe the relay's connection, not the delivery. */
const HOP_HEADERS = new Set(["host", "content-length", "connection", "accept-encoding", "transfer-encoding"]);
const NOT_HEADERS = new Set(["body", "rawBody", "query", "timestamp"]);

export function startWebhookRelay(options: { source: string; target: string; log: Logger }): WebhookRelay {
  const { source, target, log } = options;
  const abort = new AbortController();
  let delay = 1_000;
  const loop = async () => {
    while (!abort.signal.aborted) {
      try {
        const response = await fetch(source, { headers: { accept: "text/event-stream" }, signal: abort.signal });
        if (!response.ok || !response.body) throw new Error(`the relay answered ${response.status}`);
        log.info({ source }, "webhook relay connected");
        delay = 1_000;
        for await (const event of serverSentEvents(response.body)) {
          if (event.type === "message") await forward(event.data, target, log);
        }
        throw new Error("the relay closed the stream");
      } catch (error) {
        if (abort.signal.aborted) return;
        log.warn({ err: error, source, retryInMs: delay }, "webhook relay disconnected");
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  };
  void loop();
  return { stop: () => abort.abort() };
}

async function forward(data: string, target: string, log: Logger): Promise<void> {
  let delivery: Record<string, unknown>;
  try {
    delivery = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return void log.warn({ size: data.length }, "webhook relay sent a message that is not JSON");
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(delivery))
    if (!NOT_HEADERS.has(key) && !HOP_HEADERS.has(key.toLowerCase()) && typeof value === "string") headers[key] = value;
  const body = typeof delivery.rawBody === "string" ? delivery.rawBody : JSON.stringify(delivery.body ?? {});
  try {
    const response = await fetch(target, { method: "POST", headers, body });
    await response.arrayBuffer();
    log.info({ delivery: headers["x-github-delivery"], status: response.status }, "relayed webhook");
  } catch (error) {
    log.warn({ err: error, delivery: headers["x-github-delivery"] }, "relayed webhook not delivered");
  }
}

/** The events of a `text/event-stream` body: `event:` names them (default `message`), `data:` lines join. */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ type: string; data: string }> {
  const decoder = new TextDecoder();
  let buffered = "";
  let type = "message";
  let data: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end = buffered.search(/\r?\n/);
    while (end >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(buffered[end] === "\r" ? end + 2 : end + 1);
      end = buffered.search(/\r?\n/);
      if (line === "") {
        if (data.length) yield { type, data: data.join("\n") };
        type = "message";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
  }
}
