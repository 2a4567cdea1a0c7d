/**
 * A pull request from a branch of the repository itself, opened on the fake GitHub and
 * delivered to a Flotilla, and comments on it — what the suites that steer CI from a pull
 * request (commands, the failure summary) start from.
 */
import type { FakeRepository } from "./fake-github/types.ts";
import { type Flotilla, INSTALLATION_ID } from "./flotilla.ts";
import { commitFiles, createBranch } from "./git-repo.ts";
import { issueCommentPayload, pullRequestPayload } from "./webhooks.ts";

export interface OpenedPr {
  repo: FakeRepository;
  /** The head commit: where the check runs are. */
  sha: string;
  number: number;
}

/**
 * Makes `acme/<name>` with `files` on its default branch, a commit on `feature`, and pull
 * request `number` from it; `maintainer` may write and `reader` may read. Throws unless the
 * bot took the `opened` webhook.
 */
export async function openBranchPr(
  f: Flotilla,
  name: string,
  files: Record<string, string>,
  number: number,
): Promise<OpenedPr> {
  const { repo, dir } = await f.repository("acme", name, files);
  await createBranch(dir, "feature");
  const sha = await commitFiles(dir, { "CHANGES.md": `${name}\n` });
  await f.fake.openPullRequest(repo, { number, headSha: sha, headRef: "feature" });
  f.fake.setPermission(repo, "maintainer", "write");
  f.fake.setPermission(repo, "reader", "read");
  const payload = pullRequestPayload(repo, {
    action: "opened",
    number,
    headSha: sha,
    headRef: "feature",
    installationId: INSTALLATION_ID,
  });
  const answer = await f.deliver("pull_request", payload);
  if (answer.status !== 202) throw new Error(`pull_request opened answered ${answer.status}: ${answer.body}`);
  return { repo, sha, number };
}

/** Writes a comment on the pull request as `login` and delivers its `issue_comment` webhook. */
export async function commentOn(
  f: Flotilla,
  pr: OpenedPr,
  login: string,
  body: string,
  type: "User" | "Bot" = "User",
): Promise<{ id: number; answer: { status: number; body: string } }> {
  const record = f.fake.addComment(pr.repo, pr.number, { login, body, type });
  const payload = issueCommentPayload(pr.repo, {
    number: pr.number,
    comment: record.comment,
    installationId: INSTALLATION_ID,
  });
  return { id: record.comment.id, answer: await f.deliver("issue_comment", payload) };
}
