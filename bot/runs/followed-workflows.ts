/**
 * Which workflows of a repository other workflows follow with `on: workflow_run`, as its
 * default branch last said (the planner replaces the set on each push to it): only their runs
 * are announced as `workflow_run` events (bot/scheduler/announce-run.ts).
 */
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { followedWorkflows } from "../../db/schema.ts";

interface Repository {
  forge: string;
  repositoryName: string;
}

export async function replaceFollowedWorkflows(db: Db, repo: Repository, names: string[]): Promise<void> {
  const ofRepo = and(
    eq(followedWorkflows.forge, repo.forge),
    eq(followedWorkflows.repositoryName, repo.repositoryName),
  );
  const unique = [...new Set(names)];
  // Nothing followed (most repositories): one delete, no transaction around it.
  if (unique.length === 0) {
    await db.delete(followedWorkflows).where(ofRepo);
    return;
  }
  await db.transaction(async (tx) => {
    await tx.delete(followedWorkflows).where(ofRepo);
    await tx.insert(followedWorkflows).values(unique.map((workflowName) => ({ ...repo, workflowName })));
  });
}

export async function isFollowed(db: Db, repo: Repository, workflowName: string): Promise<boolean> {
  const [row] = await db
    .select({ name: followedWorkflows.workflowName })
    .from(followedWorkflows)
    .where(
      and(
        eq(followedWorkflows.forge, repo.forge),
        eq(followedWorkflows.repositoryName, repo.repositoryName),
        eq(followedWorkflows.workflowName, workflowName),
      ),
    )
    .limit(1);
  return row !== undefined;
}
