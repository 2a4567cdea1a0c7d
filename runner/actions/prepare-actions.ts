/**
 * GitHub's "Prepare all required actions", before the first step: every remote action of the
 * job — and those their composite steps name, as they are fetched — is resolved and fetched
 * now, so a missing ref or a docker action fails the job before anything ran. Local actions
 * wait for their step: the workspace may change before then.
 */
import type { JobStep } from "../../protocol/messages.ts";
import type { JobState } from "../step/job-state.ts";
import { dockerRefusal, parseActionRef } from "./action-ref.ts";
import { findBuiltin } from "./builtins.ts";
import { ActionError } from "./errors.ts";
import { loadAction, type LoadContext } from "./load-action.ts";
import { isCompositeAction, isDockerAction } from "./metadata.ts";

/** GitHub's limit on composite actions calling composite actions. */
export const MAX_ACTION_DEPTH = 10;

/** Returns the message the job fails with, or undefined when every action is ready. */
export async function prepareActions(
  context: Omit<LoadContext, "state">,
  state: JobState,
): Promise<string | undefined> {
  const uses = context.job.steps.map((step: JobStep) => step.uses).filter((u): u is string => u !== undefined);
  if (!uses.some((u) => isRemote(u) || u.trim().startsWith("docker://"))) return undefined;
  context.jobLog.line("▶ Prepare all required actions");
  const seen = new Set<string>();
  try {
    await prepareAll({ ...context, state }, uses, seen, 0);
  } catch (error) {
    if (error instanceof ActionError) return error.message;
    throw error;
  }
  return undefined;
}

async function prepareAll(context: LoadContext, uses: string[], seen: Set<string>, depth: number): Promise<void> {
  for (const name of uses) {
    if (seen.has(name) || findBuiltin(name)) continue;
    seen.add(name);
    const ref = parseActionRef(name);
    if (ref.kind === "docker") throw new ActionError(dockerRefusal(name));
    if (ref.kind === "local") continue;
    if (depth >= MAX_ACTION_DEPTH)
      throw new ActionError(`\`uses: ${name}\`: composite actions nest more than ${MAX_ACTION_DEPTH} deep`);
    const action = await loadAction(context, name);
    if (isDockerAction(action.metadata)) throw new ActionError(dockerRefusal(name));
    if (isCompositeAction(action.metadata)) {
      const inner = (action.metadata.runs.steps ?? [])
        .map((step) => step.uses)
        .filter((u): u is string => u !== undefined);
      await prepareAll(context, inner, seen, depth + 1);
    }
  }
}

function isRemote(uses: string): boolean {
  if (findBuiltin(uses)) return false;
  try {
    return parseActionRef(uses).kind === "remote";
  } catch {
    // A malformed `uses:` is reported when the preparation parses it.
    return true;
  }
}
