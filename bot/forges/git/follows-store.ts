/**
 * The followed repositories as Postgres keeps them (db/schema.ts `git_follows`): what the
 * poller, the hook, the forge and the git-follows API read and change.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { asc, eq, or } from "drizzle-orm";
import type { Db } from "../../../db/client.ts";
import { gitFollows } from "../../../db/schema.ts";
import type { Heads } from "./heads-diff.ts";

export type GitFollow = typeof gitFollows.$inferSelect;

export function listFollows(db: Db): Promise<GitFollow[]> {
  return db.select().from(gitFollows).orderBy(asc(gitFollows.name));
}

/** The follow named `key`, or whose URL is `key`. */
export async function findFollow(db: Db, key: string): Promise<GitFollow | undefined> {
  const [found] = await db
    .select()
    .from(gitFollows)
    .where(or(eq(gitFollows.name, key), eq(gitFollows.url, key)));
  return found;
}

export async function saveFollow(
  db: Db,
  follow: Pick<GitFollow, "name" | "url" | "branches" | "resultsRepo">,
): Promise<{ follow: GitFollow; created: boolean }> {
  const existing = await findFollow(db, follow.name);
  const [saved] = await db
    .insert(gitFollows)
    .values(follow)
    .onConflictDoUpdate({
      target: gitFollows.name,
      set: { url: follow.url, branches: follow.branches, resultsRepo: follow.resultsRepo },
    })
    .returning();
  return { follow: saved!, created: !existing };
}

export async function removeFollow(db: Db, key: string): Promise<string | undefined> {
  const [removed] = await db
    .delete(gitFollows)
    .where(or(eq(gitFollows.name, key), eq(gitFollows.url, key)))
    .returning({ name: gitFollows.name });
  return removed?.name;
}

export async function saveHeads(db: Db, name: string, heads: Heads, defaultBranch: string | undefined): Promise<void> {
  await db
    .update(gitFollows)
    .set({ heads, defaultBranch: defaultBranch ?? null, polledAt: new Date() })
    .where(eq(gitFollows.name, name));
}

/** A new hook token for the repository (the old one stops working); only its hash is kept. */
export async function newHookToken(db: Db, name: string): Promise<string> {
  const token = `fgh_${randomBytes(24).toString("base64url")}`;
  await db
    .update(gitFollows)
    .set({ hookTokenHash: tokenHash(token) })
    .where(eq(gitFollows.name, name));
  return token;
}

export function hookTokenMatches(follow: GitFollow, token: string): boolean {
  if (!follow.hookTokenHash) return false;
  return timingSafeEqual(Buffer.from(tokenHash(token), "hex"), Buffer.from(follow.hookTokenHash, "hex"));
}

function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
