/**
 * Which token a runner gets to clone with: one that can only read the contents of the run's
 * own repository. A pull request's code — a fork's too, even a private fork the app is not
 * installed on — is fetched from that repository's `refs/pull/<n>/*`, as GitHub's checkout
 * does, so the fork is never asked and needs no token of its own.
 */
import type { JobMessage } from "../../protocol/messages.ts";
import type { Forge } from "../forges/forge.ts";
import { repoRef } from "../runs/repo-ref.ts";
import type { RunContext } from "../runs/run-context.ts";

export function cloneTokenForRun(forge: Forge, context: RunContext): Promise<string | undefined> {
  return forge.cloneToken(context.repo);
}

/**
 * For a job released later (its needs done), from what its spec remembers. A spec planned
 * before fork code came from the base repository may name the fork's URL: that gets none.
 */
export async function cloneTokenForSpec(forge: Forge, spec: JobMessage): Promise<string | undefined> {
  const ownRepository = spec.checkout.cloneUrl.replace(/\.git$/, "").endsWith(`/${spec.repository.fullName}`);
  return ownRepository ? forge.cloneToken(repoRef(spec.repository.fullName)) : undefined;
}
