/**
 * The `secrets` table: values go in encrypted and come out only through `loadSecrets`, for a
 * job the responder has checked. Listing never decrypts.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { secrets } from "../../db/schema.ts";
import { decryptSecret, encryptSecret, SecretDecryptError, type SecretsKey } from "./crypto.ts";
import { scopesOf } from "./names.ts";

/** What the ciphertext is bound to (GCM's additional data). */
const aadOf = (scope: string, name: string) => `${scope}\0${name}`;

export async function putSecret(
  db: Db,
  key: SecretsKey,
  scope: string,
  name: string,
  value: string,
): Promise<"created" | "updated"> {
  const sealed = encryptSecret(key, value, aadOf(scope, name));
  const [row] = await db
    .insert(secrets)
    .values({ scope, name, ...sealed })
    .onConflictDoUpdate({ target: [secrets.scope, secrets.name], set: { ...sealed, updatedAt: sql`now()` } })
    // xmax is 0 for a freshly inserted row: tells created from updated in one statement.
    .returning({ inserted: sql<boolean>`(xmax = 0)` });
  return row?.inserted ? "created" : "updated";
}

export async function listSecrets(
  db: Db,
  scope: string,
): Promise<{ name: string; updatedAt: string; keyId: string }[]> {
  const rows = await db
    .select({ name: secrets.name, updatedAt: secrets.updatedAt, keyId: secrets.keyId })
    .from(secrets)
    .where(eq(secrets.scope, scope))
    .orderBy(asc(secrets.name));
  return rows.map((r) => ({ name: r.name, updatedAt: r.updatedAt.toISOString(), keyId: r.keyId }));
}

export async function deleteSecret(db: Db, scope: string, name: string): Promise<boolean> {
  const deleted = await db
    .delete(secrets)
    .where(and(eq(secrets.scope, scope), eq(secrets.name, name)))
    .returning({ name: secrets.name });
  return deleted.length > 0;
}

export interface LoadedSecrets {
  /** Name → value; an environment's secret wins over its repository's, which wins over its organisation's. */
  values: Record<string, string>;
  /** Secrets that could not be decrypted, with why (another key): the job is told, not given garbage. */
  problems: { name: string; message: string }[];
}

/** The secrets a job of `repository` (in `environment`, if any) sees: `names`, or all of them when `names` is "all". */
export async function loadSecrets(
  db: Db,
  key: SecretsKey,
  repository: string,
  names: readonly string[] | "all",
  environment?: string,
): Promise<LoadedSecrets> {
  const scopes = scopesOf(repository, environment);
  if (names !== "all" && names.length === 0) return { values: {}, problems: [] };
  const where =
    names === "all"
      ? inArray(secrets.scope, scopes)
      : and(inArray(secrets.scope, scopes), inArray(secrets.name, [...names]));
  const rows = await db.select().from(secrets).where(where);
  // Organisation first, so the repository's own value (and its environment's) overwrites it.
  rows.sort((a, b) => scopes.indexOf(b.scope) - scopes.indexOf(a.scope));
  const loaded: LoadedSecrets = { values: {}, problems: [] };
  for (const row of rows) {
    try {
      loaded.values[row.name] = decryptSecret(key, row, aadOf(row.scope, row.name));
    } catch (error) {
      if (!(error instanceof SecretDecryptError)) throw error;
      loaded.problems.push({ name: row.name, message: `secret ${row.name} of ${row.scope} ${error.message}` });
    }
  }
  return loaded;
}
