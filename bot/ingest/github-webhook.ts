/**
 * The GitHub webhook endpoint: signature checked by Probot's webhooks, then the delivery goes
 * to JetStream and only then is it answered. Unsigned or badly signed → 401, malformed →
 * 400, nothing enqueued, and the process stays up whatever arrives.
 */
import type { Logger } from "pino";
import { BodyTooLarge, pathOf, readBody, sendJson, type Handler } from "../http/handler.ts";
import type { PublishEvent } from "./publish-event.ts";

export interface GitHubWebhookOptions {
  paths: string[];
  verify: (body: string, signature: string) => Promise<boolean>;
  publish: PublishEvent;
  log: Logger;
}

export function githubWebhookHandler(options: GitHubWebhookOptions): Handler {
  const paths = new Set(options.paths);
  return async (req, res) => {
    if (req.method !== "POST" || !paths.has(pathOf(req).path)) return false;
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      return sendJson(res, error instanceof BodyTooLarge ? 413 : 400, { error: (error as Error).message });
    }
    const signature = header(req.headers["x-hub-signature-256"]);
    if (!signature) return sendJson(res, 401, { error: "missing X-Hub-Signature-256: is the webhook secret set on GitHub?" });
    let valid = false;
    try {
      valid = await options.verify(body, signature);
    } catch {
      valid = false;
    }
    if (!valid) return sendJson(res, 401, { error: "signature does not match the webhook secret" });

    const name = header(req.headers["x-github-event"]);
    const deliveryId = header(req.headers["x-github-delivery"]);
    if (!name || !deliveryId) return sendJson(res, 400, { error: "missing X-GitHub-Event or X-GitHub-Delivery header" });
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return sendJson(res, 400, { error: "body is not JSON" });
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return sendJson(res, 400, { error: "body must be a JSON object" });
    }
    const log = options.log.child({ delivery: deliveryId, event: name });
    try {
      const { duplicate } = await options.publish({
        v: 1,
        forge: "github",
        deliveryId,
        name,
        payload: payload as Record<string, unknown>,
        receivedAt: new Date().toISOString(),
      });
      log.debug({ duplicate }, "delivery stored");
      return sendJson(res, 202, { accepted: deliveryId, duplicate });
    } catch (error) {
      // 5xx makes GitHub mark the delivery failed, so it can be redelivered once we are back.
      log.error({ err: error }, "could not store delivery");
      return sendJson(res, 503, { error: "could not store the delivery; redeliver it later" });
    }
  };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
