/**
 * GitLab's role of a project member as the permission the commands check (GitHub's names):
 * Developer (30) may push, so it steers as GitHub's `write` does; Maintainer is `maintain`,
 * Owner `admin`; Reporter, Guest and Planner may only read.
 */
import type { Permission } from "../forge.ts";

export function permissionOfAccessLevel(level: number | undefined): Permission {
  if (level === undefined) return "none";
  if (level >= 50) return "admin";
  if (level >= 40) return "maintain";
  if (level >= 30) return "write";
  return level > 0 ? "read" : "none";
}
