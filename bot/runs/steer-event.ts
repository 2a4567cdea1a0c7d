/**
 * The forge events that steer runs, whatever the forge: a new comment on a pull request (its
 * command lines), a check run's "Re-run" and "Cancel" buttons, a check suite's "Re-run all".
 * Each forge turns its payloads into these (bot/forges/github/steer-event.ts); bot/commands/
 * carries them out.
 */
import type { RepoRef } from "./repo-ref.ts";

interface SteerBase {
  forge: "github" | "gitlab" | "git";
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
