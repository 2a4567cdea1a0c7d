/**
 * Project deploy tokens (`POST/GET /projects/:id/deploy_tokens`, `DELETE …/:token_id`): what a
 * bot mints so a runner can clone a private project with HTTP Basic `username:token` and
 * nothing more. The secret is shown once, in the create answer, as on GitLab; a deleted token
 * is kept (revoked) so git-http.ts refuses it and a test can see it was revoked.
 */
import { randomBytes } from "node:crypto";
import { json, noContent, notFound, paginate, str } from "./http.ts";
import { deployTokenObject } from "./objects.ts";
import type { Route } from "./router.ts";
import type { DeployTokenRecord } from "./types.ts";

const SCOPES = new Set([
  "read_repository",
  "read_registry",
  "write_registry",
  "read_package_registry",
  "write_package_registry",
  "read_virtual_registry",
  "write_virtual_registry",
]);

export function deployTokenRoutes(): Route[] {
  return [
    {
      method: "POST",
      template: "/projects/:id/deploy_tokens",
      handle(ctx) {
        const name = str(ctx.params.name);
        const raw = ctx.params.scopes;
        const scopes = (Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : []).map(String);
        if (!name) return json(400, { error: "name is missing" });
        if (scopes.length === 0) return json(400, { error: "scopes is missing" });
        if (!scopes.every((s) => SCOPES.has(s))) return json(400, { error: "scopes does not have a valid value" });
        const id = ctx.state.nextId("deployToken");
        const expires = str(ctx.params.expires_at);
        const token: DeployTokenRecord = {
          id,
          projectId: ctx.project.project.id,
          name,
          username: str(ctx.params.username) || `gitlab+deploy-token-${id}`,
          // gldt- + 20 characters: the shape of a GitLab deploy token.
          token: `gldt-${randomBytes(15).toString("base64url").replace(/[-_]/g, "x").slice(0, 20)}`,
          scopes,
          expiresAt: expires ? new Date(expires).toISOString() : null,
          revoked: false,
        };
        ctx.state.deployTokens.push(token);
        return json(201, deployTokenObject(token, true));
      },
    },
    {
      method: "GET",
      template: "/projects/:id/deploy_tokens",
      handle(ctx) {
        const mine = ctx.state.deployTokens.filter((t) => t.projectId === ctx.project.project.id);
        const page = paginate(mine, ctx.url);
        return { ...page, body: page.body.map((t) => deployTokenObject(t, false)) };
      },
    },
    {
      method: "DELETE",
      template: "/projects/:id/deploy_tokens/:token_id",
      handle(ctx) {
        const token = ctx.state.deployTokens.find(
          (t) => t.id === Number(ctx.path.token_id) && t.projectId === ctx.project.project.id,
        );
        if (!token) return notFound("Deploy Token");
        token.revoked = true;
        return noContent();
      },
    },
  ];
}
