/**
 * Whether a pull request from a fork may run on our runners. Its code is a stranger's: it runs
 * only when its author can write to the base repository, is trusted by `FORK_PR_TRUSTED`, or a
 * maintainer approved exactly this head commit with `/ok-to-test`. Otherwise the planner
 * records its runs but publishes nothing (no runner ever sees the code), and its check runs
 * ask for the approval. Permission is the forge's answer for the author, never the payload's
 * `author_association`.
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { approvals } from "../../db/schema.ts";
import { STEERING_PERMISSIONS } from "../commands/command.ts";
import type { Permission } from "../forges/forge.ts";
import type { RepoRef } from "../runs/repo-ref.ts";
import type { RunContext } from "../runs/run-context.ts";

export interface ForkGateDeps {
  db: Db;
  /** FORK_PR_TRUSTED, split: logins, and `owner/*` for every fork owned by `owner`. */
  trusted: string[];
  permission: (repo: RepoRef, login: string) => Promise<Permission>;
}

/** Why the event's runs must wait for approval; undefined when they may run. */
export async function approvalNeeded(deps: ForkGateDeps, context: RunContext): Promise<string | undefined> {
  const pr = context.pullRequest;
  if (!context.fork || !pr) return undefined;
  if (isTrusted(deps.trusted, pr.author, pr.headOwner)) return undefined;
  const [approved] = await deps.db
    .select({ by: approvals.approvedBy })
    .from(approvals)
    .where(and(eq(approvals.repository, context.repo.fullName), eq(approvals.sha, context.sha)));
  if (approved) return undefined;
  if (STEERING_PERMISSIONS.has(await deps.permission(context.repo, pr.author))) return undefined;
  const short = context.sha.slice(0, 7);
  const again = (await anyApproval(deps.db, context.repo.fullName, pr.number))
    ? ` New commits need a new approval: ${short} has not been approved.`
    : "";
  return `This pull request comes from a fork, and @${pr.author} cannot write to ${context.repo.fullName}, so its jobs run only once a maintainer approves them: waiting for a maintainer to comment \`/ok-to-test\`, which approves commit ${short}.${again}`;
}

function isTrusted(trusted: string[], author: string, headOwner: string): boolean {
  const lower = (s: string) => s.toLowerCase();
  return trusted.some((entry) =>
    entry.endsWith("/*") ? lower(entry.slice(0, -2)) === lower(headOwner) : lower(entry) === lower(author),
  );
}

async function anyApproval(db: Db, repository: string, pullNumber: number): Promise<boolean> {
  const [row] = await db
    .select({ sha: approvals.sha })
    .from(approvals)
    .where(and(eq(approvals.repository, repository), eq(approvals.pullNumber, pullNumber)))
    .limit(1);
  return row !== undefined;
}
