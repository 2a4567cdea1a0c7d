/**
 * The app's own comment on a pull request, found by a marker in its body (a hidden
 * `<!-- … -->` the writer chose). Only comments written by the app's bot account count: a
 * person quoting the marker must not have their comment taken over. GitHub lists a pull
 * request's comments oldest first; the pages stop being read at the first match.
 */
import type { ProbotOctokit } from "probot";
import type { RepoRef } from "../../runs/repo-ref.ts";

export async function findOwnComment(
  octokit: ProbotOctokit,
  repo: RepoRef,
  pullNumber: number,
  own: { login: string; marker: string },
): Promise<{ id: number; body: string } | undefined> {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: repo.owner,
    repo: repo.name,
    issue_number: pullNumber,
    per_page: 100,
  });
  for await (const { data } of pages) {
    const found = data.find(
      (c) => c.user?.type === "Bot" && c.user.login === own.login && c.body?.includes(own.marker) === true,
    );
    if (found?.body !== undefined) return { id: found.id, body: found.body };
  }
  return undefined;
}
