/**
 * A user's permission as GitHub's collaborator endpoint states it
 * (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`). `role_name` tells
 * `maintain` from `write` and `triage` from `read`; `permission` is the legacy base role
 * (`admin`, `write`, `read`, `none`, with maintain folded into write and triage into read).
 * A custom role has its own `role_name`, so its base role is read from `permission`.
 */
import type { Permission } from "../forge.ts";

const ROLES: ReadonlySet<string> = new Set<Permission>(["admin", "maintain", "write", "triage", "read", "none"]);

export function permissionOf(roleName: string | undefined, permission: string | undefined): Permission {
  if (roleName !== undefined && ROLES.has(roleName)) return roleName as Permission;
  if (permission !== undefined && ROLES.has(permission)) return permission as Permission;
  return "none";
}
