/**
 * The GitHub webhook endpoint. What the headers can decide is decided before a byte of the body
 * is read: no X-Hub-Signature-256 (or not `sha256=` and 64 hex digits) → 401, no X-GitHub-Event
 * or X-GitHub-Delivery → 400, a content type GitHub does not send → 415. Then the body is read
 * up to GitHub's 25 MB (413 beyond) and its signature checked (401). Answers given before the
 * body was all read drop the connection (`refuseUpload`), so the rest is never taken in.
 *
 * A verified delivery is stored in JetStream, and answered 202 only then, when it is an event
 * the planner acts on and carries every field the planner reads; a run event lacking one gets
 * 400 naming the field, any other event 200 `{ ignored }`. Neither of those is stored. Whatever
 * arrives, the process stays up.
 */
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { BodyTooLarge, mediaType, pathOf, readBody, refuseUpload, sendJson, type Handler } from "../../http/handler.ts";
import { checkGitHubEvent } from "./stored-events.ts";
import { answerDelivery } from "../../ingest/answer-delivery.ts";
import type { PublishEvent } from "../../ingest/publish-event.ts";
import { decodePayload, webhookEncoding, type BodyEncoding } from "./webhook-payload.ts";

export interface GitHubWebhookOptions {
  paths: string[];
  verify: (body: string, signature: string) => Promise<boolean>;
  publish: PublishEvent;
  log: Logger;
}

interface DeliveryHeaders {
  signature: string;
  name: string;
  deliveryId: string;
  encoding: BodyEncoding;
}

const SIGNATURE = /^sha256=[0-9a-f]{64}$/i;

export function githubWebhookHandler(options: GitHubWebhookOptions): Handler {
  const paths = new Set(options.paths);
  return async (req, res) => {
    if (req.method !== "POST" || !paths.has(pathOf(req).path)) return false;
    const headers = deliveryHeaders(req);
    if ("status" in headers) return refuseUpload(req, res, headers.status, { error: headers.error });
    let body: string;
    try {
      body = await readBody(req);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return refuseUpload(req, res, 413, { error: `${error.message}: GitHub sends at most 25 MB` });
      return refuseUpload(req, res, 400, { error: "could not read the body" });
    }
    if (!(await options.verify(body, headers.signature).catch(() => false))) {
      return sendJson(res, 401, { error: "signature does not match the webhook secret" });
    }
    const decoded = decodePayload(body, headers.encoding);
    if (!decoded.ok) return sendJson(res, 400, { error: decoded.reason });

    const { name, deliveryId } = headers;
    const check = checkGitHubEvent(name, decoded.value);
    return answerDelivery(res, options, check, { forge: "github", deliveryId, name, payload: decoded.value });
  };
}

/** The headers every GitHub delivery carries, or the answer to give without reading the body. */
function deliveryHeaders(req: IncomingMessage): DeliveryHeaders | { status: number; error: string } {
  const signature = header(req.headers["x-hub-signature-256"]);
  if (!signature) return { status: 401, error: "missing X-Hub-Signature-256: is the webhook secret set on GitHub?" };
  if (!SIGNATURE.test(signature)) return { status: 401, error: "X-Hub-Signature-256 is not sha256= and 64 hex digits" };
  const name = header(req.headers["x-github-event"]);
  const deliveryId = header(req.headers["x-github-delivery"]);
  if (!name || !deliveryId) return { status: 400, error: "missing X-GitHub-Event or X-GitHub-Delivery header" };
  const type = mediaType(req);
  const encoding = webhookEncoding(type);
  if (!encoding) {
    return {
      status: 415,
      error: `content type ${type || "(none)"} is not one GitHub sends: set the webhook's content type to application/json`,
    };
  }
  return { signature, name, deliveryId, encoding };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
