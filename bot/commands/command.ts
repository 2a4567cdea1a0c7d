/**
 * What people steer CI with, as the bot understands it whatever the forge: a command parsed
 * from a comment line (the events that carry them: bot/runs/steer-event.ts), and who may.
 */
import type { Permission } from "../forges/forge.ts";

export type Command =
  /** `which: "failed"`: what failed, was cancelled, timed out, was lost or never ran; `jobs`: the named ones. */
  | { name: "rerun"; which: "failed" | "all" | "named"; jobs: string[]; namespace?: string }
  | { name: "cancel"; namespace?: string }
  | { name: "ok-to-test" }
  | { name: "help" };

/** Who may run commands other than `/help`. */
export const STEERING_PERMISSIONS: ReadonlySet<Permission> = new Set(["write", "maintain", "admin"]);
