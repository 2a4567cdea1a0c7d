/**
 * For the suites about how steps run: one repository, one namespace and one runner per
 * suite, and `runJob` that publishes a job (steps, contexts, outputs…) on the real bus and
 * returns what a user would see: the completed report and the assembled log.
 */
import type { JobMessageInput, RunnerEvent } from "../../protocol/messages.ts";
import type { FileTree } from "../helpers/git-repo.ts";
import { suiteValue } from "../helpers/suite-value.ts";
import { openRepoBus, type RepoBus } from "./repo-suite.ts";
import { randomId, type Bus } from "./support.ts";

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
}

export interface StepsSuiteOptions {
  /** The runner's concurrency (4 unless said). */
  concurrency?: number;
  /** More set-up once the harness is open (tags in the repository, object stores…). */
  setUp?(harness: StepsHarness): Promise<void>;
  /** Undoes `setUp`, before the harness closes. */
  tearDown?(harness: StepsHarness): Promise<void>;
}

/** Call at the top of the suite file; what it returns is usable from the first test on. */
export function stepsSuite(files: FileTree, options: StepsSuiteOptions = {}): StepsHarness {
  const namespace = randomId("ns");
  return suiteValue("the steps harness", {
    open: async () => stepsHarness(await openRepoBus(files), namespace),
    async setUp(harness) {
      await harness.bus.addLabelset(namespace, ["self-hosted"]);
      await harness.bus.startRunner({ namespace, concurrency: options.concurrency ?? 4 });
      await options.setUp?.(harness);
    },
    async close(harness) {
      try {
        await options.tearDown?.(harness);
      } finally {
        await harness.close();
      }
    },
  });
}

function stepsHarness(repo: RepoBus, namespace: string): StepsHarness & Pick<RepoBus, "close"> {
  const { bus, sha, repoDir } = repo;
  return {
    bus,
    sha,
    repoDir,
    async runJob(fields, options) {
      const id = randomId("exec-");
      await bus.publishJob(repo.job({ [namespace]: id }, { steps: fields.steps }, fields));
      await options?.whilst?.(id);
      const completed = await bus.reports.completed(id);
      return {
        completed,
        log: bus.reports.log(id),
        results: completed.steps.map((step) => [step.outcome, step.conclusion]),
        events: bus.reports.events(id),
      };
    },
    close: () => repo.close(),
  };
}
