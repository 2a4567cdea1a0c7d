/**
 * `GET /repos/{owner}/{repo}/collaborators/{username}/permission`, as GitHub answers it: the
 * role in `role_name` (`maintain` and `triage` included) and the legacy base role in
 * `permission` (maintain shown as write, triage as read). Who has which role is what the test
 * set with `setPermission`; a login it did not set is answered 404, as GitHub answers a user
 * that does not exist. Every read is recorded in `permissionReads`.
 */
import { error, json, notFound, type Reply } from "./http.ts";
import { personUser } from "./objects.ts";
import type { RepoContext, Route } from "./route.ts";
import type { CollaboratorPermission } from "./types.ts";

const LEGACY: Record<CollaboratorPermission, string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};

const RANK: CollaboratorPermission[] = ["none", "read", "triage", "write", "maintain", "admin"];

export function collaboratorRoutes(): Route[] {
  return [
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/collaborators/{username}/permission",
      auth: "repo",
      permissions: [["metadata", "read"]],
      handle: permissionOf,
    },
  ];
}

function permissionOf(ctx: RepoContext): Reply {
  if (ctx.caller.kind === "anonymous") return error(401, "Requires authentication");
  const login = ctx.params.username ?? "";
  const collaborator = ctx.repo.collaborators.get(login.toLowerCase());
  ctx.state.permissionReads.push({
    repo: ctx.repo.fullName,
    login,
    status: collaborator ? 200 : 404,
    ...(collaborator ? { permission: collaborator.permission } : {}),
  });
  ctx.state.changed();
  if (!collaborator) return notFound();
  const { permission } = collaborator;
  const at = (role: CollaboratorPermission) => RANK.indexOf(permission) >= RANK.indexOf(role);
  return json(200, {
    permission: LEGACY[permission],
    role_name: permission,
    user: {
      ...personUser(ctx.site, collaborator.login),
      permissions: {
        pull: at("read"),
        triage: at("triage"),
        push: at("write"),
        maintain: at("maintain"),
        admin: at("admin"),
      },
      role_name: permission,
    },
  });
}
