/**
 * Learning which repositories have scheduled workflows without asking the forge: when a push
 * to a repository's default branch is planned, its workflows at that commit are the ones
 * GitHub would schedule, so their crons replace the repository's set (a workflow that no
 * longer parses, or lost its `schedule`, stops firing). The other bots' timers are told.
 */
import type { Db } from "../../db/client.ts";
import type { RunContext } from "../runs/run-context.ts";
import type { ParseResult } from "../workflows/workflow.ts";
import { replaceSchedules, type ScheduleEntry } from "./store.ts";

export interface RecordDeps {
  db: Db;
  /** Wakes every bot's timer to read the schedules again (schedule-timer.ts). */
  announce: () => Promise<void>;
}

/** Whether `context` is a push to the default branch of a forge that can fire schedules. */
export function pushToDefaultBranch(context: RunContext): boolean {
  return (
    context.forge === "github" &&
    context.eventName === "push" &&
    context.filterRef.kind === "branch" &&
    context.defaultBranch !== undefined &&
    context.filterRef.name === context.defaultBranch
  );
}

export async function recordSchedules(
  deps: RecordDeps,
  context: RunContext,
  repository: Record<string, unknown>,
  workflows: { path: string; result: ParseResult }[],
): Promise<void> {
  const entries = new Map<string, ScheduleEntry>();
  for (const { path, result } of workflows) {
    if (!result.ok) continue;
    for (const { cron, timezone = "" } of result.value.on.schedule ?? [])
      entries.set(`${path}\n${cron}\n${timezone}`, { workflowPath: path, cron, timezone });
  }
  const changed = await replaceSchedules(
    deps.db,
    {
      forge: context.forge,
      repositoryName: context.repo.fullName,
      installationId: context.installationId ?? null,
      repository,
      actor: context.actor,
      sha: context.sha,
    },
    [...entries.values()],
  );
  if (changed) await deps.announce();
}
