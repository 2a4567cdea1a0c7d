/**
 * How every forge's webhook endpoint answers a delivery it has read and checked: 200 `{ ignored }`
 * for one that starts nothing, 400 naming the field for one its reader could not read, and for
 * one worth keeping 202 once JetStream has stored it — or 503 when it could not be stored, so
 * the forge marks the delivery failed and sends it again once we are back.
 */
import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { ForgeEvent } from "../../protocol/messages.ts";
import { sendJson } from "../http/handler.ts";
import type { PublishEvent } from "./publish-event.ts";

export type DeliveryCheck = { store: true } | { ignored: string } | { refused: string; field?: string };

export async function answerDelivery(
  res: ServerResponse,
  options: { publish: PublishEvent; log: Logger },
  check: DeliveryCheck,
  event: Pick<ForgeEvent, "forge" | "deliveryId" | "name" | "payload">,
): Promise<true> {
  const log = options.log.child({ delivery: event.deliveryId, event: event.name });
  if ("ignored" in check) {
    log.debug({ reason: check.ignored }, "delivery ignored");
    return sendJson(res, 200, { ignored: check.ignored });
  }
  if ("refused" in check) {
    log.warn({ field: check.field, reason: check.refused }, "delivery refused");
    return sendJson(res, 400, { error: check.refused, ...(check.field ? { field: check.field } : {}) });
  }
  try {
    const { duplicate } = await options.publish({ v: 1, ...event, receivedAt: new Date().toISOString() });
    log.debug({ duplicate }, "delivery stored");
    return sendJson(res, 202, { accepted: event.deliveryId, duplicate });
  } catch (error) {
    log.error({ err: error }, "could not store delivery");
    return sendJson(res, 503, { error: "could not store the delivery; redeliver it later" });
  }
}
