/**
 * The App's webhook deliveries as GitHub's Hookshot keeps them: a test has the fake "send" a
 * signed webhook to a URL (`deliverWebhook`), the attempt is recorded with what the receiver
 * answered — or that it could not be reached — and the bot reads them back through
 * `GET /app/hook/deliveries` and asks for one again with `POST /app/hook/deliveries/{id}/attempts`.
 * A redelivery sends the same headers and body (same `X-GitHub-Delivery` guid) and is recorded
 * under a new id with `redelivery: true`, as on GitHub.
 */
import { error, json, type Reply } from "./http.ts";
import type { Route, RouteContext } from "./route.ts";
import type { FakeState } from "./state.ts";

/** The signed webhook as sent: see test/helpers/webhooks.ts `signedDelivery`. */
export interface SentWebhook {
  headers: Record<string, string>;
  body: string;
}

export interface HookDeliveryRecord {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  url: string;
  sent: SentWebhook;
}

const REDELIVER_DOCS = "https://docs.github.com/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook";
let nextId = 90_000_000;

/** Sends the webhook to `url` as Hookshot does and records the attempt; never throws for an unreachable receiver. */
export async function deliverWebhook(
  state: FakeState,
  url: string,
  sent: SentWebhook,
  redelivery = false,
): Promise<HookDeliveryRecord> {
  const started = Date.now();
  let status = "OK";
  let statusCode = 0;
  try {
    const response = await fetch(url, { method: "POST", headers: sent.headers, body: sent.body });
    await response.arrayBuffer();
    statusCode = response.status;
    if (statusCode >= 400) status = `Invalid HTTP Response: ${statusCode}`;
  } catch {
    // What GitHub's delivery log says when nothing listens at the hook's URL.
    status = "failed to connect to host";
  }
  const payload = readPayload(sent);
  const record: HookDeliveryRecord = {
    id: ++nextId,
    guid: sent.headers["x-github-delivery"] ?? "",
    delivered_at: new Date(started).toISOString().replace(/\.\d+Z$/, "Z"),
    redelivery,
    duration: (Date.now() - started) / 1000,
    status,
    status_code: statusCode,
    event: sent.headers["x-github-event"] ?? "",
    action: typeof payload.action === "string" ? payload.action : null,
    installation_id: idOf(payload.installation),
    repository_id: idOf(payload.repository),
    url,
    sent,
  };
  state.hookDeliveries.push(record);
  state.changed();
  return record;
}

export function hookDeliveryRoutes(): Route[] {
  return [
    { method: "GET", template: "/app/hook/deliveries", auth: "app", handle: listDeliveries },
    { method: "POST", template: "/app/hook/deliveries/{delivery_id}/attempts", auth: "app", handle: redeliver },
  ];
}

function listDeliveries(ctx: RouteContext): Reply {
  const perPage = Math.min(Number(ctx.url.searchParams.get("per_page") ?? 30) || 30, 100);
  const wanted = ctx.url.searchParams.get("status");
  const failed = (d: HookDeliveryRecord) => d.status_code === 0 || d.status_code >= 400;
  const items = [...ctx.state.hookDeliveries]
    .reverse()
    .filter((d) => (wanted === "failure" ? failed(d) : wanted === "success" ? !failed(d) : true))
    .slice(0, perPage)
    .map(({ url: _url, sent: _sent, ...item }) => item);
  return json(200, items);
}

function redeliver(ctx: RouteContext): Reply {
  const original = ctx.state.hookDeliveries.find((d) => d.id === Number(ctx.params.delivery_id));
  if (!original) return error(404, "Not Found", REDELIVER_DOCS);
  // GitHub answers 202 at once and attempts the delivery afterwards.
  void deliverWebhook(ctx.state, original.url, original.sent, true);
  return json(202, {});
}

function readPayload(sent: SentWebhook): Record<string, unknown> {
  try {
    const text = sent.headers["content-type"]?.includes("form")
      ? (new URLSearchParams(sent.body).get("payload") ?? "{}")
      : sent.body;
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function idOf(value: unknown): number | null {
  const id = (value as { id?: unknown } | undefined)?.id;
  return typeof id === "number" ? id : null;
}
