/**
 * A bus and one repository for a whole runner suite, and jobs at that repository's commit, so
 * a test writes only its steps and what else differs. `repoSuite` is for the suites that start
 * their own runners (run-job, cancel, the queue suites): opened before the first test, runners
 * stopped after each (a failed test must not leave one taking the next test's jobs), closed
 * after the last. steps-support.ts opens one the same way for its one runner.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { JobMessageInput } from "../../protocol/messages.ts";
import { createRepo, type FileTree } from "../helpers/git-repo.ts";
import { suiteValue } from "../helpers/suite-value.ts";
import { buildJob, openBus, randomId, type Bus, type JobBuild } from "./support.ts";

/** What a test says of a job: its steps, and the JobBuild fields it sets (a bad `sha`, a token…). */
type JobFields = Omit<JobBuild, "executions" | "cloneUrl" | "sha"> & { sha?: string };

export interface RepoBus {
  bus: Bus;
  repoDir: string;
  sha: string;
  /** A job at the repository's commit for `executions`; `extra` (a lease, contexts…) over it. */
  job(executions: Record<string, string>, fields: JobFields, extra?: Partial<JobMessageInput>): JobMessageInput;
  close(): Promise<void>;
}

export async function openRepoBus(files: FileTree, open: () => Promise<Bus> = () => openBus()): Promise<RepoBus> {
  const bus = await open();
  let repoDir: string;
  let sha: string;
  try {
    repoDir = await mkdtemp(join(tmpdir(), "flotilla-repo-"));
    ({ sha } = await createRepo(repoDir, files));
  } catch (error) {
    await bus.close();
    throw error;
  }
  return {
    bus,
    repoDir,
    sha,
    job: (executions, fields, extra = {}) => ({
      ...buildJob({ cloneUrl: `file://${repoDir}`, sha, ...fields, executions }),
      ...extra,
      executions,
    }),
    async close() {
      await bus.close();
      await rm(repoDir, { recursive: true, force: true });
    },
  };
}

export interface RepoSuite extends Omit<RepoBus, "close"> {
  /** Publishes a job for a new execution in `namespace`; resolves with the execution's id. */
  publish(namespace: string, fields: JobFields, extra?: Partial<JobMessageInput>): Promise<string>;
}

export interface RepoSuiteOptions {
  /** A namespace given a `self-hosted` labelset as the suite opens. */
  namespace?: string;
  /** Opens the bus on another server than the shared one (a suite that restarts it). */
  openBus?: () => Promise<Bus>;
}

/** Call at the top of the suite file; what it returns is usable from the first test on. */
export function repoSuite(files: FileTree, options: RepoSuiteOptions = {}): RepoSuite {
  const suite = suiteValue<RepoSuite & Pick<RepoBus, "close">>("the suite's bus", {
    async open() {
      const repo = await openRepoBus(files, options.openBus);
      return {
        ...repo,
        async publish(namespace, fields, extra) {
          const id = randomId("exec-");
          await repo.bus.publishJob(repo.job({ [namespace]: id }, fields, extra));
          return id;
        },
      };
    },
    async setUp({ bus }) {
      if (options.namespace) await bus.addLabelset(options.namespace, ["self-hosted"]);
    },
    close: (repo) => repo.close(),
  });
  afterEach(async () => {
    await suite.bus.stopRunners();
  });
  return suite;
}
