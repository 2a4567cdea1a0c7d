/**
 * A webhook body as GitHub sends it: JSON, or — when the webhook is set to
 * `application/x-www-form-urlencoded` — a form whose `payload` field holds the JSON. The
 * signature covers the raw body in both cases, so decoding comes after verifying it.
 */
import { fail, ok, type Result } from "../../../protocol/result.ts";

export type BodyEncoding = "json" | "form";

const ENCODINGS: Record<string, BodyEncoding> = {
  "application/json": "json",
  "application/x-www-form-urlencoded": "form",
};

/** The encoding of a media type GitHub sends webhooks in; undefined for any other. */
export function webhookEncoding(mediaType: string): BodyEncoding | undefined {
  return Object.hasOwn(ENCODINGS, mediaType) ? ENCODINGS[mediaType] : undefined;
}

export function decodePayload(body: string, encoding: BodyEncoding): Result<Record<string, unknown>> {
  const json = encoding === "form" ? new URLSearchParams(body).get("payload") : body;
  if (json === null) return fail("form body has no payload field");
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    return fail(encoding === "form" ? "the form's payload field is not JSON" : "body is not JSON");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload))
    return fail("payload must be a JSON object");
  return ok(payload as Record<string, unknown>);
}
