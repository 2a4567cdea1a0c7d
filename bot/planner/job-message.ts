/**
 * The job as a runner receives it, minus what is filled in when it is released: which
 * namespaces run it (`executions`), the clone token, the `github` context (kept once per run)
 * and the results of its `needs`.
 */
import type { JobMessage } from "../../protocol/messages.ts";
import type { JobSpec } from "../../db/schema.ts";
import { neededSecretNames } from "../secrets/needed-names.ts";
import type { PlannedJob, Workflow } from "../workflows/workflow.ts";
import { type RunContext, runSha } from "../runs/run-context.ts";
import type { RunRow } from "../runs/rows.ts";

export interface JobSpecInputs {
  context: RunContext;
  run: RunRow;
  workflow: Workflow;
  job: PlannedJob;
  serverUrl: string;
  apiUrl: string;
  /** The forge's `actionsUrl`, when its actions come from elsewhere. */
  actionsUrl?: string;
  /** A dispatch's inputs (defaults filled in). */
  inputs: Record<string, unknown>;
}

/**
 * The spec, plus (for a job of a called workflow) the `secrets:` chain the bot applies when the
 * runner asks for its secrets; the chain holds templates as written, never a value.
 */
export function jobSpec({
  context,
  run,
  workflow,
  job,
  serverUrl,
  apiUrl,
  actionsUrl,
  inputs,
}: JobSpecInputs): JobSpec {
  const defaults = job.call ? job.job.defaults : { ...workflow.defaults, ...job.job.defaults };
  const spec: JobMessage = {
    v: 1,
    runId: run.id,
    jobKey: job.key,
    name: job.name,
    executions: {},
    claim: "",
    attemptBase: 0,
    secretNames: [],
    labels: job.runsOn,
    workflow: { name: workflow.name, path: workflow.path },
    repository: { fullName: context.repo.fullName, private: context.private },
    checkout: {
      cloneUrl: context.checkout.cloneUrl,
      sha: runSha(context),
      ...(context.checkout.ref ? { ref: context.checkout.ref } : {}),
    },
    sha: runSha(context),
    ref: context.ref,
    eventName: context.eventName,
    actor: context.actor,
    serverUrl,
    apiUrl,
    ...(actionsUrl ? { actionsUrl } : {}),
    runNumber: run.runNumber,
    runAttempt: 1,
    // A called workflow's jobs carry its own env (expandJobs merged it); the caller's does not apply.
    env: job.call ? job.job.env : { ...workflow.env, ...job.job.env },
    steps: job.job.steps,
    timeoutMinutes: job.job.timeoutMinutes,
    defaults: {
      ...(defaults.shell ? { shell: defaults.shell } : {}),
      ...(defaults.workingDirectory ? { workingDirectory: defaults.workingDirectory } : {}),
    },
    outputs: job.job.outputs,
    contexts: {
      // The forge's own contexts first: none of GitHub's is replaced by one.
      ...context.contexts,
      github: {},
      vars: {},
      secrets: job.call?.secrets ?? {},
      matrix: job.matrix,
      strategy: job.strategy,
      needs: {},
      inputs: job.call?.inputs ?? inputs,
    },
  };
  // The names the job's templates read: the runner asks the bot for these when it starts the job.
  spec.secretNames = neededSecretNames(spec);
  return {
    ...spec,
    ...(job.call?.secretChain.length ? { secretChain: job.call.secretChain } : {}),
    ...(job.job.environment ? { environment: job.job.environment.name } : {}),
  };
}
