/**
 * A pull request runs where GitHub Actions runs it: at the test merge of its head into its
 * base, the commit of the base repository's `refs/pull/<n>/merge` — a fork's head included,
 * which that repository keeps at `refs/pull/<n>/head`. Jobs see it as `github.sha`; check runs
 * and statuses stay on the head. The webhook's `merge_commit_sha` cannot be trusted for it
 * (null while GitHub is still merging, an older head's merge after a push), so the forge is
 * asked once per event — which is also what makes GitHub compute the merge.
 *
 * GitHub runs no `pull_request` workflow while the head does not merge cleanly; nor does
 * Flotilla, but it says so in one completed check run on the head, instead of leaving the
 * pull request without a word.
 */
import type { Logger } from "pino";
import type { Forge, NewCheck } from "../forges/forge.ts";
import type { RunContext } from "../runs/run-context.ts";
import { createCheckOnce } from "../scheduler/create-check-once.ts";

/** The check run that says why a pull request ran nothing. */
const TEST_MERGE_CHECK = "flotilla: test merge";

/** How long after the webhook arrived the forge may go on computing the merge before the planner gives up. */
const MERGE_WAIT_MS = 60_000;

/** Thrown while the forge is still merging: the event is delivered again after a back-off. */
class TestMergePendingError extends Error {
  override name = "TestMergePendingError";
}

export interface TestMergeDeps {
  /** The forge's web URL, for the pull request's page. */
  serverUrl: string;
  log: Logger;
}

/**
 * Sets `context.checkout.sha` to the pull request's test merge; false when there is none to
 * run at (the pull request moved on, closed, or conflicts), having said so where it matters.
 * Throws TestMergePendingError while the forge is still computing the merge, until a minute
 * after `receivedAt`.
 */
export async function useTestMerge(
  deps: TestMergeDeps,
  forge: Forge,
  context: RunContext,
  receivedAt: string,
): Promise<boolean> {
  const number = context.pullRequest?.number;
  if (number === undefined) return true;
  const log = deps.log.child({ pullRequest: number });
  const pr = await forge.pullRequest(context.repo, number);
  if (!pr?.open) {
    log.info("pull request closed or gone before it was planned; nothing to run");
    return false;
  }
  if (pr.headSha !== context.sha) {
    // Its own merge is gone with it; the event of the newer head runs that head's.
    log.info({ head: pr.headSha }, "pull request moved on to a newer head; nothing to run for this one");
    return false;
  }
  if (pr.mergeable && pr.mergeCommitSha) {
    context.checkout.sha = pr.mergeCommitSha;
    return true;
  }
  const waited = Date.now() - Date.parse(receivedAt);
  if (pr.mergeable !== false && waited < MERGE_WAIT_MS) {
    throw new TestMergePendingError(`the forge is still merging pull request #${number} into its base`);
  }
  const base = context.pullRequest?.baseRef ?? "its base";
  const output =
    pr.mergeable === false
      ? {
          title: `Not run: this pull request has conflicts with ${base}`,
          summary: `Workflows run on the merge of this pull request's head into \`${base}\` (\`refs/pull/${number}/merge\`), as GitHub Actions runs \`pull_request\` workflows, and the two do not merge cleanly. Resolve the conflicts and push: the new head runs.`,
        }
      : {
          title: `Not run: the merge of this pull request into ${base} is not ready`,
          summary: `Workflows run on the merge of this pull request's head into \`${base}\` (\`refs/pull/${number}/merge\`), and the forge had not made it ${Math.round(waited / 1000)} s after the event. Push again to retry.`,
        };
  log.warn({ mergeable: pr.mergeable }, "pull request has no test merge; nothing to run");
  const check: NewCheck = {
    name: TEST_MERGE_CHECK,
    headSha: context.sha,
    detailsUrl: `${deps.serverUrl.replace(/\/+$/, "")}/${context.repo.fullName}/pull/${number}`,
    externalId: `test-merge:${context.deliveryId}`,
    status: "completed",
    conclusion: "neutral",
    output,
  };
  // Looked up first: a delivery planned again after a crash must not say it twice.
  await createCheckOnce(forge, context.repo, check, true);
  return false;
}
