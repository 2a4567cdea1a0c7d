/**
 * Which token a runner gets to clone with. For our own repository: one that can only read its
 * contents. A fork's head repository is not ours to mint tokens for: public forks clone
 * anonymously.
 */
import type { Logger } from "pino";
import type { JobMessage } from "../../protocol/messages.ts";
import type { Forge } from "../forges/forge.ts";
import { repoRef } from "../runs/repo-ref.ts";
import type { RunContext } from "../runs/run-context.ts";

export async function cloneTokenForRun(forge: Forge, context: RunContext, log: Logger): Promise<string | undefined> {
  if (context.fork && !context.checkout.private) return undefined;
  try {
    return await forge.cloneToken(context.checkout.repo);
  } catch (error) {
    if (context.fork) {
      log.warn({ err: error }, "no token for the fork's repository; cloning anonymously");
      return undefined;
    }
    throw error;
  }
}

/** For a job released later (its needs done), from what its spec remembers. */
export async function cloneTokenForSpec(forge: Forge, spec: JobMessage): Promise<string | undefined> {
  const ownRepository = spec.checkout.cloneUrl.replace(/\.git$/, "").endsWith(`/${spec.repository.fullName}`);
  return ownRepository ? forge.cloneToken(repoRef(spec.repository.fullName)) : undefined;
}
