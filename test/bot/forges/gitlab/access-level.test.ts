/**
 * Who may steer runs on GitLab: a member's role (access level) as the permission the commands
 * check, GitHub's names. A Developer (30) may push, so steers as GitHub's `write`; Guests,
 * Planners and Reporters only read; no membership (or "No access", 0) is `none`.
 */
import { describe, expect, it } from "vitest";
import { permissionOfAccessLevel } from "../../../../bot/forges/gitlab/access-level.ts";

describe("permissionOfAccessLevel", () => {
  it.each([
    [undefined, "none"],
    [0, "none"],
    [5, "read"], // Minimal access
    [10, "read"], // Guest
    [15, "read"], // Planner
    [20, "read"], // Reporter
    [30, "write"], // Developer
    [40, "maintain"], // Maintainer
    [50, "admin"], // Owner
    [60, "admin"], // Admin (instance administrators)
  ])("access level %s is %s", (level, permission) => {
    expect(permissionOfAccessLevel(level)).toBe(permission);
  });
});
