/**
 * A check run per job (or broken workflow file), whatever fails between the forge and
 * Postgres. The caller records the intent before it calls (`check_requested_at`); an intent
 * recorded by an earlier attempt, with no check run id stored, means that attempt may have
 * created the check run and lost the answer or the Postgres write — so it is looked up by
 * external id and adopted before a new one is created. A first attempt costs no extra call.
 */
import type { Forge, NewCheck } from "../forges/forge.ts";
import type { RepoRef } from "../runs/repo-ref.ts";

export async function createCheckOnce(
  forge: Forge,
  repo: RepoRef,
  check: NewCheck,
  requestedBefore: boolean,
): Promise<number> {
  if (requestedBefore) {
    const found = await forge.findCheck(repo, check);
    if (found) return found.id;
  }
  return (await forge.createCheck(repo, check)).id;
}
