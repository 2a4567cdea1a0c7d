/**
 * A check run created at most once per call. Octokit's retry plugin sends a request again
 * after a 5xx, but a create answered with a 5xx may have landed (GitHub made the check run,
 * the answer was lost): sent again, it makes a second one. So the create goes out without
 * that retry, and after a server error the check run is looked up by its external id before
 * the create is sent again — as many tries, spaced as Octokit spaces them (1, 4, 9 seconds).
 * Rate limits (403/429) are still waited out and sent again by the limiter (octokit.ts): GitHub
 * refused those writes, so sending them again is safe.
 */
import type { ProbotOctokit } from "probot";
import type { CheckKey } from "../forge.ts";
import type { RepoRef } from "../../runs/repo-ref.ts";
import type { RequestPriority } from "./request-budget.ts";

type Octokit = ProbotOctokit;
type CreateParams = Parameters<Octokit["rest"]["checks"]["create"]>[0] & {
  name: string;
  head_sha: string;
  external_id: string;
};

const CREATE_TRIES = 4;

export async function createCheckRun(
  octokit: Octokit,
  params: CreateParams,
  priority: RequestPriority,
  delayMs = (attempt: number) => attempt ** 2 * 1000,
): Promise<number> {
  const key = { name: params.name, headSha: params.head_sha, externalId: params.external_id };
  const repo = { owner: params.owner, name: params.repo };
  for (let attempt = 1; ; attempt++) {
    try {
      const { data } = await octokit.rest.checks.create({ ...params, request: { retries: 0, priority } });
      return data.id;
    } catch (error) {
      if (!mayHaveLanded(error) || attempt >= CREATE_TRIES) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs(attempt)));
    const found = await findCheckRun(octokit, repo, key);
    if (found !== undefined) return found;
  }
}

/** Every check run of that name on the commit (not only the latest), by external id. */
export async function findCheckRun(
  octokit: Octokit,
  repo: Pick<RepoRef, "owner" | "name">,
  key: CheckKey,
): Promise<number | undefined> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    owner: repo.owner,
    repo: repo.name,
    ref: key.headSha,
    check_name: key.name,
    filter: "all",
    per_page: 100,
  });
  return runs.find((run) => run.external_id === key.externalId)?.id;
}

/** A server error or no answer at all (Octokit reports that as 500): the write may be there. */
function mayHaveLanded(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === undefined || status >= 500;
}
