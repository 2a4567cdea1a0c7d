/**
 * Counts the deliveries a forge's webhook endpoint answers, by forge, event and answer (the
 * HTTP status: 202 stored, 200 ignored, 4xx refused, 503 not stored). An unsigned request
 * (401) counts under event "unverified": anyone may send one, and a label must not take
 * whatever a stranger writes in a header.
 */
import type { Handler } from "../http/handler.ts";
import type { BotMetrics } from "./metrics.ts";

const EVENT_NAME = /^[A-Za-z_ ]{1,40}$/;

export function countWebhooks(
  handler: Handler,
  metrics: BotMetrics,
  forge: string,
  eventHeader: "x-github-event" | "x-gitlab-event",
): Handler {
  return async (req, res) => {
    const handled = await handler(req, res);
    if (!handled) return false;
    const answer = res.statusCode;
    const header = req.headers[eventHeader];
    const said = typeof header === "string" ? header : undefined;
    const event = answer === 401 ? "unverified" : said && EVENT_NAME.test(said) ? said : "none";
    metrics.webhooks.inc({ forge, event, answer: String(answer) });
    return true;
  };
}
