/**
 * Check runs as GitLab commit statuses. GitLab has no check runs: each job's check run is a
 * status of the same name on the same commit, moved through GitLab's states (`pending`,
 * `running`, `success`, `failed`, `canceled`, `skipped`), and it shows in the merge request's
 * pipeline widget as an external stage.
 */
import type { CheckUpdate, NewCheck } from "../forge.ts";

export type GitLabState = "pending" | "running" | "success" | "failed" | "canceled" | "skipped";

type Conclusion = NonNullable<CheckUpdate["conclusion"]>;

const OF_CONCLUSION: Record<Conclusion, GitLabState> = {
  success: "success",
  neutral: "success",
  failure: "failed",
  timed_out: "failed",
  cancelled: "canceled",
  skipped: "skipped",
  // Waiting for a person (a fork's merge request for /ok-to-test): not finished.
  action_required: "pending",
};

export function stateOfCheck(check: Pick<NewCheck, "status" | "conclusion">): GitLabState {
  if (check.status === "completed") return OF_CONCLUSION[check.conclusion ?? "neutral"];
  return "pending";
}

/** The state an update moves the status to; undefined when it changes only what GitLab cannot show (output, buttons). */
export function stateOfUpdate(update: CheckUpdate): GitLabState | undefined {
  if (update.status === "completed" || update.conclusion) return OF_CONCLUSION[update.conclusion ?? "neutral"];
  if (update.status === "in_progress") return "running";
  return undefined;
}

/** GitHub's commit status states as GitLab's. */
export function stateOfCommitStatus(state: "pending" | "success" | "failure" | "error"): GitLabState {
  return state === "pending" ? "pending" : state === "success" ? "success" : "failed";
}

/** GitLab keeps 255 characters of a description. */
export function description(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  return text.length <= 255 ? text : `${text.slice(0, 254)}…`;
}
