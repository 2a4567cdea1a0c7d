/**
 * The job as a runner receives it.
 */
import type { JobMessage } from "../../protocol/messages.ts";
import type { WorkflowJob, Workflow } from "../workflows/workflow.ts";
import type { RunContext } from "./run-context.ts";
import type { JobRow, RunRow } from "./store-run.ts";

export interface JobMessageInputs {
  context: RunContext;
  run: RunRow;
  workflow: Workflow;
  job: WorkflowJob;
  rows: JobRow[];
  token: string | undefined;
  serverUrl: string;
  apiUrl: string;
}

export function jobMessage({ context, run, workflow, job, rows, token, serverUrl, apiUrl }: JobMessageInputs): JobMessage {
  const executions: Record<string, string> = {};
  for (const row of rows) if (row.jobKey === job.key) executions[row.namespace] = row.id;
  return {
    v: 1,
    runId: run.id,
    jobKey: job.key,
    name: job.name,
    executions,
    labels: job.runsOn,
    workflow: { name: workflow.name, path: workflow.path },
    repository: { fullName: context.repo.fullName, private: context.private },
    checkout: { cloneUrl: context.checkout.cloneUrl, sha: context.sha, ...(token ? { token } : {}) },
    sha: context.sha,
    ref: context.ref,
    eventName: context.eventName,
    actor: context.actor,
    serverUrl,
    apiUrl,
    runNumber: run.runNumber,
    runAttempt: 1,
    env: { ...workflow.env, ...job.env },
    steps: job.steps,
    timeoutMinutes: job.timeoutMinutes,
    defaults: {},
    outputs: {},
    contexts: { github: {}, vars: {}, secrets: {}, matrix: null, strategy: null, needs: {}, inputs: {} },
  };
}
