/**
 * App-level endpoints (JWT): the app itself, its installations, and minting installation
 * tokens — recorded with their scope so tests can assert e.g. that a runner's clone token
 * is limited to one repository and contents:read.
 */
import { excessPermission, newToken } from "./auth.ts";
import { error, json, notFound, type Reply } from "./http.ts";
import { appObject, installationObject, type Site } from "./objects.ts";
import type { RouteContext, Route } from "./route.ts";
import type { FakeState } from "./state.ts";
import type { JsonObject, Permissions, RepoEntry, TokenRecord } from "./types.ts";

const TOKEN_DOCS = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app";
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export function appRoutes(): Route[] {
  return [
    { method: "GET", template: "/app", auth: "app", handle: (ctx) => json(200, appObject(ctx.site)) },
    {
      method: "GET",
      template: "/app/installations",
      auth: "app",
      handle: (ctx) =>
        json(
          200,
          installationIds(ctx.state).map((id) => installation(ctx.site, ctx.state, id)),
        ),
    },
    {
      method: "GET",
      template: "/app/installations/{installation_id}",
      auth: "app",
      handle: (ctx) => {
        const id = Number(ctx.params.installation_id);
        return installationIds(ctx.state).includes(id) ? json(200, installation(ctx.site, ctx.state, id)) : notFound();
      },
    },
    {
      method: "POST",
      template: "/app/installations/{installation_id}/access_tokens",
      auth: "app",
      handle: createToken,
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/installation",
      auth: "repo",
      permissions: [],
      allowApp: true,
      handle: (ctx) => json(200, installation(ctx.site, ctx.state, ctx.repo.installationId)),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}",
      auth: "repo",
      permissions: [["metadata", "read"]],
      handle: (ctx) => json(200, ctx.repo.rest),
    },
  ];
}

function installationIds(state: FakeState): number[] {
  return [...new Set([...state.repos.values()].map((r) => r.installationId))];
}

function installation(site: Site, state: FakeState, id: number): JsonObject {
  const first = [...state.repos.values()].find((r) => r.installationId === id);
  const account = first?.rest.owner ?? { id, type: "User", login: "unknown" };
  return installationObject(site, id, account);
}

function createToken(ctx: RouteContext): Reply {
  const installationId = Number(ctx.params.installation_id);
  const all = [...ctx.state.repos.values()].filter((r) => r.installationId === installationId);
  if (all.length === 0) return error(404, "Not Found", TOKEN_DOCS);
  const body = (ctx.body ?? {}) as { repositories?: string[]; repository_ids?: number[]; permissions?: Permissions };
  const wanted = body.repositories || body.repository_ids;
  let scope: RepoEntry[] | null = null;
  if (wanted) {
    // Names are relative to the installation's account, as on GitHub.
    scope = all.filter((r) => body.repositories?.includes(r.name) || body.repository_ids?.includes(r.rest.id));
    const asked = (body.repositories?.length ?? 0) + (body.repository_ids?.length ?? 0);
    if (scope.length < asked)
      return error(
        422,
        "There is at least one repository that does not exist or is not accessible to the parent installation.",
        TOKEN_DOCS,
      );
  }
  const granted = ctx.site.app.permissions;
  if (body.permissions && excessPermission(body.permissions, granted)) {
    return error(422, "The permissions requested are not granted to this installation.", TOKEN_DOCS);
  }
  const permissions = body.permissions && Object.keys(body.permissions).length > 0 ? body.permissions : granted;
  const now = Date.now();
  const record: TokenRecord = {
    token: newToken(),
    installationId,
    repositories: scope ? scope.map((r) => r.fullName) : null,
    permissions,
    requested: ctx.body ? structuredClone(ctx.body) : undefined,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + TOKEN_LIFETIME_MS).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  ctx.state.tokens.push(record);
  ctx.state.changed();
  return json(201, {
    token: record.token,
    expires_at: record.expiresAt,
    permissions,
    repository_selection: scope ? "selected" : "all",
    ...(scope ? { repositories: scope.map((r) => r.rest) } : {}),
  });
}
