/**
 * Which repositories a namespace follows: every one when its `follows` list is empty, else
 * those its globs match (`owner/*`, `owner/repo`, `!owner/secret`). Globs are GitHub's filter
 * patterns (`*` stays within a path segment, the last matching pattern decides), compared
 * case-insensitively as GitHub compares repository names.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { namespaces } from "../../db/schema.ts";
import { matchesFilters } from "../workflows/filter-pattern.ts";

export function followsRepository(follows: readonly string[], repository: string): boolean {
  if (follows.length === 0) return true;
  return matchesFilters(
    repository.toLowerCase(),
    follows.map((pattern) => pattern.toLowerCase()),
  );
}

/**
 * A follow pattern names an owner and a repository, either of which may be a glob; a GitLab
 * project is named with its host and groups (`gitlab.example.com/acme/*`, see runs/repo-ref.ts).
 */
export const FOLLOW_PATTERN = /^!?[^/\s]+(?:\/[^/\s]+)+$/;

/** The namespace follows `name` from now on: added to its globs unless they take it already (created when missing). */
export async function addNamespaceFollow(db: Db, namespace: string, name: string): Promise<void> {
  const [existing] = await db.select().from(namespaces).where(eq(namespaces.name, namespace));
  if (!existing) {
    await db
      .insert(namespaces)
      .values({ name: namespace, follows: [name] })
      .onConflictDoNothing();
    return;
  }
  if (followsRepository(existing.follows, name)) return;
  await db
    .update(namespaces)
    .set({ follows: [...existing.follows, name] })
    .where(eq(namespaces.name, namespace));
}
