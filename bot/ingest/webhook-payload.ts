/**
 * A webhook body as GitHub sends it: JSON, or — when the webhook is set to
 * `application/x-www-form-urlencoded` — a form whose `payload` field holds the JSON. The
 * signature covers the raw body in both cases, so decoding comes after verifying it.
 */
export type BodyEncoding = "json" | "form";

const ENCODINGS: Record<string, BodyEncoding> = {
  "application/json": "json",
  "application/x-www-form-urlencoded": "form",
};

/** The encoding of a media type GitHub sends webhooks in; undefined for any other. */
export function webhookEncoding(mediaType: string): BodyEncoding | undefined {
  return Object.hasOwn(ENCODINGS, mediaType) ? ENCODINGS[mediaType] : undefined;
}

export function decodePayload(body: string, encoding: BodyEncoding): { payload: Record<string, unknown> } | { error: string } {
  const json = encoding === "form" ? new URLSearchParams(body).get("payload") : body;
  if (json === null) return { error: "form body has no payload field" };
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    return { error: encoding === "form" ? "the form's payload field is not JSON" : "body is not JSON" };
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return { error: "payload must be a JSON object" };
  return { payload: payload as Record<string, unknown> };
}
