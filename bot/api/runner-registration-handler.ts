/**
 * The registration API:
 * - `POST /api/v1/runner-tokens` {namespace?, expires?} (operator token): a one-time registration token;
 * - `POST /api/v1/runners/register` (the registration token is the credential): a runner's identity and NATS credential;
 * - `DELETE /api/v1/runners/<name or id>` (operator token): removes and revokes a runner.
 */
import type { Logger } from "pino";
import { z } from "zod";
import { REGISTER_PATH, RegisterRequest } from "../../protocol/registration.ts";
import { pathOf, sendJson, type Handler } from "../http/handler.ts";
import {
  registerRunner,
  createRegistrationToken,
  RegistrationError,
  type RegistrationDeps,
} from "../fleet/registration.ts";
import { removeRunner, type RemovalDeps } from "../fleet/removal.ts";
import { authorized, jsonBody } from "./auth.ts";

const MAX_TOKEN_TTL_MS = 30 * 24 * 3_600_000;

const TokenRequest = z.object({
  namespace: z.string().default("default"),
  /** `90s`, `30m`, `1h`, `7d`. */
  expires: z
    .string()
    .default("1h")
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms <= 0 || ms > MAX_TOKEN_TTL_MS) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `"${value}" is not a duration between 1s and 30d (like 90s, 30m, 1h, 7d)`,
        });
        return z.NEVER;
      }
      return ms;
    }),
});

export interface RegistrationHandlerOptions {
  token?: string;
  registration: RegistrationDeps;
  removal: RemovalDeps;
  log: Logger;
}

export function runnerRegistrationHandler(options: RegistrationHandlerOptions): Handler {
  return async (req, res) => {
    const { path } = pathOf(req);
    try {
      if (path === "/api/v1/runner-tokens") {
        if (req.method !== "POST") return sendJson(res, 405, { error: "POST to make a registration token" });
        if (!authorized(req, res, options.token)) return true;
        const request = await jsonBody(req, res, TokenRequest);
        if (!request) return true;
        const created = await createRegistrationToken(options.registration.db, request.namespace, request.expires);
        options.log.info({ namespace: created.namespace, expiresAt: created.expiresAt }, "registration token made");
        return sendJson(res, 201, {
          token: created.token,
          namespace: created.namespace,
          expiresAt: created.expiresAt.toISOString(),
        });
      }
      if (path === REGISTER_PATH) {
        if (req.method !== "POST") return sendJson(res, 405, { error: "POST a registration" });
        const request = await jsonBody(req, res, RegisterRequest, 64 * 1024);
        if (!request) return true;
        const registered = await registerRunner(options.registration, request);
        options.log.info({ runner: registered.runner }, "runner registered");
        return sendJson(res, 201, registered);
      }
      const removal = /^\/api\/v1\/runners\/([^/]+)$/.exec(path);
      if (removal && req.method === "DELETE") {
        if (!authorized(req, res, options.token)) return true;
        const name = decodeURIComponent(removal[1]!);
        const removed = await removeRunner(options.removal, name);
        if (removed.length === 0) return sendJson(res, 404, { error: `no registered runner is named "${name}"` });
        options.log.warn({ removed }, "runner removed and its credential revoked");
        return sendJson(res, 200, { removed });
      }
      return false;
    } catch (error) {
      if (error instanceof RegistrationError) return sendJson(res, error.status, { error: error.message });
      throw error;
    }
  };
}

function parseDuration(value: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "s" | "m" | "h" | "d"];
  return Number(match[1]) * unit;
}
