/**
 * For the suites about how steps run: one repository, one namespace and one runner per
 * suite, and `runJob` that publishes a job (steps, contexts, outputs…) on the real bus and
 * returns what a user would see: the completed report and the assembled log.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobMessageInput, RunnerEvent } from "../../protocol/messages.ts";
import { createRepo, type FileTree } from "../helpers/git-repo.ts";
import { buildJob, openBus, randomId, type Bus } from "./support.ts";

type Completed = Extract<RunnerEvent, { type: "completed" }>;

interface JobRun {
  completed: Completed;
  log: string;
  /** `[outcome, conclusion]` of each step, in order. */
  results: [string | undefined, string][];
  events: RunnerEvent[];
}

export interface StepsHarness {
  bus: Bus;
  sha: string;
  repoDir: string;
  /** Publishes a job made of `fields` over the suite's defaults and waits for its completed report. */
  runJob(
    fields: Partial<JobMessageInput> & Pick<JobMessageInput, "steps">,
    options?: { whilst?(executionId: string): Promise<void> },
  ): Promise<JobRun>;
  close(): Promise<void>;
}

export async function openStepsHarness(
  files: FileTree,
  runnerOverrides: { concurrency?: number } = {},
): Promise<StepsHarness> {
  const bus = await openBus();
  const repoDir = await mkdtemp(join(tmpdir(), "flotilla-steps-repo-"));
  const { sha } = await createRepo(repoDir, files);
  const namespace = randomId("ns");
  await bus.addLabelset(namespace, ["self-hosted"]);
  await bus.startRunner({ namespace, concurrency: runnerOverrides.concurrency ?? 4 });
  return {
    bus,
    sha,
    repoDir,
    async runJob(fields, options) {
      const id = randomId("exec-");
      const base = buildJob({
        executions: { [namespace]: id },
        cloneUrl: `file://${repoDir}`,
        sha,
        steps: fields.steps,
      });
      await bus.publishJob({ ...base, ...fields, executions: { [namespace]: id } });
      await options?.whilst?.(id);
      const completed = await bus.reports.completed(id);
      return {
        completed,
        log: bus.reports.log(id),
        results: completed.steps.map((step) => [step.outcome, step.conclusion]),
        events: bus.reports.events(id),
      };
    },
    async close() {
      await bus.close();
      await rm(repoDir, { recursive: true, force: true });
    },
  };
}
