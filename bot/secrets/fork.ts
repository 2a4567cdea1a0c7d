/**
 * GitHub's rule: a workflow run for a pull request from a fork gets no secrets (only
 * `pull_request_target`, which runs the base's workflow, does). A PR whose head repository is
 * gone (a deleted fork) counts as a fork: nobody can tell where its code came from.
 */
const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_review", "pull_request_review_comment"]);

export function isForkPullRequest(githubContext: Record<string, unknown>, eventName: string): boolean {
  if (!PULL_REQUEST_EVENTS.has(eventName)) return false;
  const event = githubContext.event as
    | { pull_request?: { head?: { repo?: { full_name?: string } | null } }; repository?: { full_name?: string } }
    | undefined;
  const base = event?.repository?.full_name;
  const head = event?.pull_request?.head?.repo?.full_name;
  // No payload to tell by: refuse rather than guess.
  return !base || !head || head.toLowerCase() !== base.toLowerCase();
}
