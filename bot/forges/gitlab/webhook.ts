/**
 * The GitLab webhook endpoint (`PUBLIC_URL/gitlab/webhook`). GitLab signs nothing: it sends the
 * hook's secret token in `X-Gitlab-Token`, compared here in constant time — missing or wrong is
 * 401 before the body is read. No `X-Gitlab-Event` is 400. A body that is not a JSON object,
 * a hook Flotilla does not take, or one lacking a field its reader needs is 400; nothing is
 * stored then. A known hook that starts nothing is 200 `{ ignored }`.
 *
 * A hook worth keeping is stored in JetStream and answered 202 only then, deduplicated by
 * `Idempotency-Key` (the same on each of GitLab's retries of one delivery) or, from a GitLab
 * older than 17.4, `X-Gitlab-Event-UUID`: one run per event. The answer comes in milliseconds,
 * far inside GitLab's 10 s, so GitLab never marks the hook failing and disables it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { BodyTooLarge, pathOf, readBody, refuseUpload, sendJson, type Handler } from "../../http/handler.ts";
import { answerDelivery } from "../../ingest/answer-delivery.ts";
import type { PublishEvent } from "../../ingest/publish-event.ts";
import { checkGitLabEvent } from "./stored-events.ts";

export interface GitLabWebhookOptions {
  path: string;
  secret: string;
  publish: PublishEvent;
  log: Logger;
}

export function gitlabWebhookHandler(options: GitLabWebhookOptions): Handler {
  const secret = digest(options.secret);
  return async (req, res) => {
    if (req.method !== "POST" || pathOf(req).path !== options.path) return false;
    const token = header(req, "x-gitlab-token");
    if (token === undefined)
      return refuseUpload(req, res, 401, { error: "missing X-Gitlab-Token: set the webhook's secret token" });
    if (!timingSafeEqual(digest(token), secret))
      return refuseUpload(req, res, 401, { error: "X-Gitlab-Token does not match GITLAB_WEBHOOK_SECRET" });
    const name = header(req, "x-gitlab-event");
    if (!name) return refuseUpload(req, res, 400, { error: "missing X-Gitlab-Event header" });
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLarge) return refuseUpload(req, res, 413, { error: error.message });
      return refuseUpload(req, res, 400, { error: "could not read the body" });
    }
    const payload = parseObject(body);
    if (!payload) return sendJson(res, 400, { error: "body is not a JSON object" });
    const deliveryId =
      header(req, "idempotency-key") ?? header(req, "x-gitlab-event-uuid") ?? `body-${digest(body).toString("hex")}`;
    return answerDelivery(res, options, checkGitLabEvent(name, payload), {
      forge: "gitlab",
      deliveryId,
      name,
      payload,
    });
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === "" ? undefined : first;
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
