/**
 * The operator API for secrets (`flotilla secret …`), behind FLOTILLA_API_TOKEN:
 *
 *   PUT    /api/v1/secrets/<owner>/<repo>/<NAME>   {value}   a repository secret
 *   PUT    /api/v1/secrets/<owner>/<NAME>          {value}   an organisation secret
 *   GET    /api/v1/secrets/<owner>[/<repo>]                  names and update times, never values
 *   DELETE /api/v1/secrets/<owner>[/<repo>]/<NAME>
 *
 * `?environment=NAME` on a repository's path: that environment's secrets instead (jobs with
 * `environment: NAME` get them over the repository's). Values are encrypted before they reach Postgres; without FLOTILLA_SECRETS_KEY the API says
 * secrets are off instead of storing anything.
 */
import type { Logger } from "pino";
import { z } from "zod";
import type { Db } from "../../db/client.ts";
import { pathOf, sendJson, type Handler } from "../http/handler.ts";
import type { SecretsKey } from "../secrets/crypto.ts";
import { environmentScoped, secretName, secretScope } from "../secrets/names.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";
import { deleteSecret, listSecrets, putSecret } from "../secrets/store.ts";
import { authorized, jsonBody } from "./auth.ts";

const PREFIX = "/api/v1/secrets/";
/** GitHub's limit for one secret. */
const MAX_VALUE_BYTES = 48 * 1024;

const PutSecret = z.object({
  value: z.string().refine((v) => Buffer.byteLength(v) <= MAX_VALUE_BYTES, "a secret is at most 48 KB"),
});

export interface SecretsApiOptions {
  token?: string;
  db: Db;
  key?: SecretsKey;
  log: Logger;
}

export function secretsHandler(options: SecretsApiOptions): Handler {
  return async (req, res) => {
    const { path } = pathOf(req);
    if (path !== PREFIX.slice(0, -1) && !path.startsWith(PREFIX)) return false;
    if (!authorized(req, res, options.token)) return true;
    if (!options.key)
      return sendJson(res, 503, {
        error: "secrets are off: set FLOTILLA_SECRETS_KEY on the bot (32 bytes, base64; see docs/secrets.md)",
      });
    const parts = path.slice(PREFIX.length).split("/").filter(Boolean).map(decodeURIComponent);
    const environment = pathOf(req).query.get("environment");
    if (req.method === "GET") {
      const scoped = scopeIn(secretScope(parts.join("/")), environment);
      if (!scoped.ok)
        return sendJson(res, 400, {
          error: `${scoped.reason}: GET /api/v1/secrets/OWNER or /api/v1/secrets/OWNER/REPO`,
        });
      return sendJson(res, 200, {
        scope: scoped.value.scope,
        secrets: await listSecrets(options.db, scoped.value.scope),
      });
    }
    if (req.method !== "PUT" && req.method !== "DELETE")
      return sendJson(res, 405, { error: "GET a scope's names, PUT or DELETE a secret" });
    const written = parts.pop() ?? "";
    const scoped = scopeIn(secretScope(parts.join("/")), environment);
    if (!scoped.ok)
      return sendJson(res, 400, {
        error: `${scoped.reason}: use /api/v1/secrets/OWNER/NAME or /api/v1/secrets/OWNER/REPO/NAME`,
      });
    const named = secretName(written);
    if (!named.ok) return sendJson(res, 400, { error: named.reason });
    const scope = scoped.value;
    const name = named.value;
    if (req.method === "DELETE") {
      if (!(await deleteSecret(options.db, scope.scope, name)))
        return sendJson(res, 404, { error: `no secret ${name} in ${scope.scope}` });
      options.log.info({ scope: scope.scope, secret: name }, "secret deleted");
      return sendJson(res, 200, { scope: scope.scope, name, deleted: true });
    }
    const body = await jsonBody(req, res, PutSecret, MAX_VALUE_BYTES * 2 + 1024);
    if (!body) return true;
    const outcome = await putSecret(options.db, options.key, scope.scope, name, body.value);
    options.log.info({ scope: scope.scope, secret: name, outcome }, "secret set");
    return sendJson(res, outcome === "created" ? 201 : 200, { scope: scope.scope, kind: scope.kind, name, outcome });
  };
}

type Scope = { scope: string; kind: "organisation" | "repository" | "environment" };

/** The scope itself, or with `?environment=`, one of that repository's environments (never an organisation's). */
function scopeIn(
  scoped: Result<Omit<Scope, "kind"> & { kind: "organisation" | "repository" }>,
  environment: string | null,
): Result<Scope> {
  if (!scoped.ok || environment === null) return scoped;
  if (scoped.value.kind !== "repository")
    return fail(`environments belong to a repository, not to ${scoped.value.scope}`);
  const env = environmentScoped(scoped.value.scope, environment);
  return env.ok ? ok({ scope: env.value, kind: "environment" }) : env;
}
