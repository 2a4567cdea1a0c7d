/**
 * What people steer CI with, as the bot understands it whatever the forge: a command parsed
 * from a comment line, and the forge events that carry commands or buttons (a comment on a
 * pull request, GitHub's "Re-run" and "Cancel" buttons).
 */
import type { Permission } from "../forges/forge.ts";
import type { RepoRef } from "../runs/repo-ref.ts";

export type Command =
  /** `which: "failed"`: what failed, was cancelled, timed out, was lost or never ran; `jobs`: the named ones. */
  | { name: "rerun"; which: "failed" | "all" | "named"; jobs: string[]; namespace?: string }
  | { name: "cancel"; namespace?: string }
  | { name: "ok-to-test" }
  | { name: "help" };

/** Who may run commands other than `/help`. */
export const STEERING_PERMISSIONS: ReadonlySet<Permission> = new Set(["write", "maintain", "admin"]);

interface SteerBase {
  forge: "github" | "gitlab";
  deliveryId: string;
  installationId?: number;
  repo: RepoRef;
  /** The user who commented or pressed the button. */
  sender: string;
}

export type SteerEvent =
  /** A new comment on a pull request (never an edit, never a bot's). */
  | (SteerBase & { kind: "comment"; pullNumber: number; commentId: number; body: string })
  /** "Re-run" on one check run: `jobId` is its external id. */
  | (SteerBase & { kind: "rerun-job"; jobId: string })
  /** "Re-run all checks" on a check suite. */
  | (SteerBase & { kind: "rerun-commit"; headSha: string })
  /** A check run's "Cancel" action. */
  | (SteerBase & { kind: "cancel-job"; jobId: string });
