/**
 * What `flotilla run` will run, decided as the planner decides it (bot/planner/plan-event.ts):
 * the workflow files parsed by the bot's parser, matched against the event with the bot's
 * `on:` rules, expanded into jobs (matrix legs) and turned into the JobMessages a runner
 * would receive. Nothing runs here; every problem is collected as `file:line:col: message`.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { githubContext } from "../../bot/planner/github-context.ts";
import { jobSpec } from "../../bot/planner/job-message.ts";
import type { RunRow } from "../../bot/runs/rows.ts";
import { expandJobs } from "../../bot/workflows/expand-jobs.ts";
import { matchesEvent } from "../../bot/workflows/matches-event.ts";
import { parseWorkflow } from "../../bot/workflows/parse-workflow.ts";
import type { PlannedJob, Workflow, WorkflowProblem } from "../../bot/workflows/workflow.ts";
import type { GitFacts } from "./git-facts.ts";
import { dispatchInputs, localEvent, type LocalEventName } from "./local-event.ts";
import type { GraphJob } from "./run-graph.ts";
import type { RunValues } from "./run-values.ts";
import { resolveWorkflowFile, WORKFLOW_DIR, workflowFiles } from "./workflow-files.ts";

interface LocalRun {
  workflow: Workflow;
  github: Record<string, unknown>;
  inputs: Record<string, unknown>;
  vars: Record<string, string>;
  jobs: GraphJob[];
}

export interface PlanRequest {
  facts: GitFacts;
  event: LocalEventName;
  cwd: string;
  workflowFile?: string;
  jobId?: string;
  inputs: Record<string, string>;
  /** `--secret`, `--var`, `--env`: what the bot's stores and the forge would give. */
  values: RunValues;
}

export interface LocalPlan {
  runs: LocalRun[];
  problems: string[];
  /** Workflow files that do not run on this event, for the "nothing to run" message. */
  notMatching: string[];
}

export async function planLocalRuns(request: PlanRequest): Promise<LocalPlan> {
  const { facts } = request;
  const plan: LocalPlan = { runs: [], problems: [], notMatching: [] };
  // Workflows that run on the event but have no job `--job` names, for the error.
  const missing: string[] = [];
  const { values } = request;
  let paths: string[];
  if (request.workflowFile) {
    const resolved = await resolveWorkflowFile(facts.root, request.cwd, request.workflowFile);
    if (!resolved.ok) return { ...plan, problems: [`flotilla run: ${resolved.reason}`] };
    paths = [resolved.path];
  } else paths = await workflowFiles(facts.root);
  if (paths.length === 0) plan.problems.push(`no workflow files in ${WORKFLOW_DIR}`);
  const event = localEvent(request.event, facts);
  const serverUrl = facts.serverUrl;
  const apiUrl = serverUrl === "https://github.com" ? "https://api.github.com" : `${serverUrl}/api/v3`;
  for (const path of paths) {
    const text = await readFile(join(facts.root, path), "utf8").catch((error: Error) => error);
    if (text instanceof Error) {
      plan.problems.push(`${path}: cannot read the file: ${text.message}`);
      continue;
    }
    const parsed = await parseWorkflow(path, text);
    if (!parsed.ok) {
      plan.problems.push(...parsed.reason.map((problem) => located(path, problem)));
      continue;
    }
    const workflow = parsed.value;
    if (!matchesEvent(workflow.on, event.context)) {
      plan.notMatching.push(path);
      continue;
    }
    let inputs: Record<string, unknown> = { ...request.inputs };
    if (request.event === "workflow_dispatch") {
      const typed = dispatchInputs(workflow.on.workflow_dispatch?.inputs ?? {}, request.inputs);
      plan.problems.push(...typed.errors.map((error) => `${path}: ${error}`));
      inputs = typed.inputs;
    }
    const payload =
      request.event === "workflow_dispatch" ? { ...event.payload, inputs, workflow: path } : event.payload;
    const run = localRunRow(facts, workflow, request.event);
    const github = {
      ...githubContext({
        context: event.context,
        payload,
        runId: run.id,
        runNumber: run.runNumber,
        workflow: { name: workflow.name, path },
        serverUrl,
        apiUrl,
      }),
      // As act does: a GITHUB_TOKEN secret is also `github.token`, the default of many actions' `token` input.
      ...(values.secrets.GITHUB_TOKEN ? { token: values.secrets.GITHUB_TOKEN } : {}),
    };
    const expansion = expandJobs(workflow, { github, vars: values.vars, inputs });
    plan.problems.push(...expansion.problems.map((problem) => located(path, problem)));
    const chosen = request.jobId === undefined ? expansion.jobs : withNeeds(expansion.jobs, request.jobId);
    if (chosen.length === 0) {
      missing.push(`${path} (jobs: ${workflow.jobs.map((job) => job.key).join(", ")})`);
      continue;
    }
    const jobs = chosen.map((job) => {
      const spec = jobSpec({ context: event.context, run, workflow, job, serverUrl, apiUrl, inputs });
      // The github context is filled in when a job is released, as release-jobs.ts does; the
      // secrets when it starts, as the bot answers a runner. `--env` wins over the file's, as in act.
      return {
        planned: job,
        message: {
          ...spec,
          env: { ...spec.env, ...values.env },
          contexts: { ...spec.contexts, github, vars: values.vars, secrets: values.secrets },
        },
      };
    });
    plan.runs.push({ workflow, github, inputs, vars: values.vars, jobs });
  }
  if (plan.problems.length === 0 && plan.runs.length === 0 && missing.length > 0) {
    plan.problems.push(`no job "${request.jobId}" in ${missing.join("; ")}`);
  }
  return plan;
}

/** The job `id` (every leg of it) and, transitively, what it needs: they run first. */
function withNeeds(jobs: PlannedJob[], jobId: string): PlannedJob[] {
  const wanted = new Set<string>();
  const visit = (id: string): void => {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const need of jobs.find((job) => job.jobId === id)?.job.needs ?? []) visit(need);
  };
  if (jobs.some((job) => job.jobId === jobId)) visit(jobId);
  return jobs.filter((job) => wanted.has(job.jobId));
}

function located(path: string, problem: WorkflowProblem): string {
  return `${path}:${problem.line}:${problem.column}: ${problem.message}`;
}

/** The run row the planner would have stored; here only its id and number are read. */
function localRunRow(facts: GitFacts, workflow: Workflow, eventName: string): RunRow {
  return {
    id: randomUUID(),
    deliveryId: "local",
    forge: "github",
    installationId: null,
    fork: false,
    private: true,
    repository: facts.fullName,
    workflowPath: workflow.path,
    workflowName: workflow.name,
    eventName,
    sha: facts.sha,
    ref: facts.ref,
    accessToken: "",
    runNumber: 1,
    attempt: 1,
    status: "in_progress",
    conclusion: null,
    error: null,
    checkRunId: null,
    checkRequestedAt: null,
    concurrencyGroup: null,
    githubContext: {},
    createdAt: new Date(),
    completedAt: null,
  };
}
