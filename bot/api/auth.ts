/**
 * The bot's operator API (`/api/v1/…`: dispatch, runners, tokens, secrets, namespaces) is
 * guarded by one bearer token, FLOTILLA_API_TOKEN; without it the API is off.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { BodyTooLarge, readBody, refuseUpload, sendJson } from "../http/handler.ts";

/**
 * True when the request may go on; otherwise the answer (404 API off, 401 wrong token) has
 * been sent and the handler returns.
 */
export function authorized(req: IncomingMessage, res: ServerResponse, token: string | undefined): boolean {
  if (!token) {
    sendJson(res, 404, { error: "the bot's API is off: set FLOTILLA_API_TOKEN on the bot" });
    return false;
  }
  if (!bearerMatches(req.headers.authorization, token)) {
    sendJson(res, 401, { error: "a valid `Authorization: Bearer <FLOTILLA_API_TOKEN>` is required" });
    return false;
  }
  return true;
}

export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The JSON body checked against `schema`; undefined when the 400 answer has been sent. */
export async function jsonBody<T extends z.ZodTypeAny>(
  req: IncomingMessage,
  res: ServerResponse,
  schema: T,
  limit = 1024 * 1024,
): Promise<z.infer<T> | undefined> {
  let json: unknown;
  try {
    json = JSON.parse((await readBody(req, limit)) || "{}");
  } catch (error) {
    if (error instanceof BodyTooLarge) refuseUpload(req, res, 413, { error: error.message });
    else sendJson(res, 400, { error: "body is not JSON" });
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    sendJson(res, 400, {
      error: parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "),
    });
    return undefined;
  }
  return parsed.data;
}
