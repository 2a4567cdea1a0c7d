/**
 * A parsed workflow, as far as Flotilla runs it: GitHub Actions syntax, checked by GitHub's
 * own parser, turned into plain data. Text that may hold `${{ }}` is kept as written; the
 * planner evaluates what it needs at plan time (matrix, names, runs-on, job `if`), the runner
 * the rest.
 */
import type { JobStep } from "../../protocol/messages.ts";
import type { Result } from "../../protocol/result.ts";
import type { DeferredFields } from "../../db/schema.ts";

export type { DeferredFields } from "../../db/schema.ts";

export interface RefFilter {
  branches?: string[];
  branchesIgnore?: string[];
  tags?: string[];
  tagsIgnore?: string[];
  paths?: string[];
  pathsIgnore?: string[];
}

export interface DispatchInput {
  description?: string;
  required: boolean;
  default?: string | number | boolean;
  type: "string" | "boolean" | "choice" | "number" | "environment";
  options?: string[];
}

/** An input of `on.workflow_call`: what a caller's `with:` is checked against. */
export interface CallInput {
  description?: string;
  required: boolean;
  default?: string | number | boolean;
  type: "string" | "boolean" | "number";
}

/** `on.workflow_call`: the interface of a reusable workflow. */
export interface WorkflowCallTrigger {
  inputs: Record<string, CallInput>;
  /** `outputs.<name>.value`, as written (`${{ jobs.build.outputs.version }}`). */
  outputs: Record<string, string>;
  secrets: Record<string, { required: boolean }>;
}

/** One `on.schedule` entry: a cron in UTC, or in `timezone` (an IANA name) when given. */
export interface ScheduleTrigger {
  cron: string;
  timezone?: string;
}

export interface Triggers {
  push?: RefFilter;
  pull_request?: RefFilter & { types?: string[] };
  workflow_dispatch?: { inputs: Record<string, DispatchInput> };
  workflow_call?: WorkflowCallTrigger;
  schedule?: ScheduleTrigger[];
  /** `types` (`event_type`s of the dispatch) when given: absent, every dispatch runs. */
  repository_dispatch?: { types?: string[] };
  /** `types` (activity types) when given: absent, every one runs. */
  release?: { types?: string[] };
  /** Runs of the workflows `workflows` names (by `name:`), filtered by the triggering run's branch. */
  workflow_run?: RefFilter & { workflows: string[]; types?: string[] };
  /** Events named in `on:` that Flotilla has no handler for; they simply never match. */
  other: string[];
}

export interface RunDefaults {
  shell?: string;
  workingDirectory?: string;
}

export interface Concurrency {
  /** A template: `${{ github.workflow }}-${{ github.ref }}`. */
  group: string;
  cancelInProgress: boolean;
  /** `cancel-in-progress: ${{ … }}` as written (without the wrapper); decided when the run is planned. */
  cancelInProgressExpression?: string;
}

export interface Strategy {
  /**
   * The matrix legs after `include`/`exclude`, in GitHub's order; empty when the job has no
   * matrix. A matrix given as one expression (`${{ fromJSON(…) }}`) is in `expression` instead.
   */
  legs: Record<string, unknown>[];
  expression?: string;
  /**
   * A matrix written as a mapping whose values hold `${{ }}` (`os: ${{ fromJSON(…) }}`): kept as
   * written, evaluated and expanded per run by `expandJobs`.
   */
  matrixTemplate?: Record<string, unknown>;
  failFast: boolean;
  maxParallel?: number;
  /** `fail-fast: ${{ … }}` (the expression): decided per run, before the legs are planned. */
  failFastExpression?: string;
  /** `max-parallel: ${{ … }}` (the expression): decided per run, before the legs are planned. */
  maxParallelExpression?: string;
}

/** `jobs.<id>.environment`: the name and url as written (templates). */
export interface JobEnvironment {
  name: string;
  url?: string;
}

/**
 * A feature of one job that Flotilla cannot run (unsupported.ts): that job fails naming it, the
 * workflow's other jobs run.
 */
export interface JobRefusal {
  /** What the workflow wrote, as the check run names it: `container`, `uses: docker://alpine`. */
  feature: string;
  reason: string;
  line: number;
  column: number;
}

export interface WorkflowJob {
  /** The id under `jobs:`. */
  key: string;
  /** As written; may hold `${{ matrix.x }}`. Defaults to the key. */
  name: string;
  needs: string[];
  /** The job's condition as an expression, `success()` when absent. */
  if: string;
  /** As written; entries may hold `${{ matrix.os }}`. */
  runsOn: string[];
  env: Record<string, string>;
  defaults: RunDefaults;
  timeoutMinutes: number;
  continueOnError: boolean;
  outputs: Record<string, string>;
  strategy?: Strategy;
  concurrency?: Concurrency;
  steps: JobStep[];
  /** `timeout-minutes: ${{ … }}` as written (without the wrapper); evaluated per leg by `expandJobs`. */
  timeoutMinutesExpression?: string;
  /** `continue-on-error: ${{ … }}` (often `matrix.experimental`); evaluated per leg by `expandJobs`. */
  continueOnErrorExpression?: string;
  environment?: JobEnvironment;
  /** What this job uses that Flotilla cannot run; empty for a job that runs. */
  refusals?: JobRefusal[];
  /** Where the job's id is in the file, for problems found after parsing. */
  position?: { line: number; column: number };
  /** `jobs.<id>.uses`: the job calls a reusable workflow instead of running steps. */
  call?: WorkflowCall;
}

/**
 * A job's call of a reusable workflow. `with:` values are kept as written (strings may hold
 * `${{ }}`), evaluated with the caller's contexts when the run is planned.
 */
export interface WorkflowCall {
  /** `./.flotilla/workflows/x.yml`, `./.github/workflows/x.yml` or `owner/repo/path/x.yml@ref`. */
  uses: string;
  with: Record<string, string | number | boolean>;
  /** `secrets:` as a map of templates, or `inherit`. */
  secrets: Record<string, string> | "inherit";
  position: { line: number; column: number };
  /** The called workflow, parsed; filled in by the planner (bot/planner/reusable-workflows.ts). */
  workflow?: Workflow;
  /** Why the called workflow could not be had (not found, unreadable, no `workflow_call`…). */
  error?: string;
}

export interface Workflow {
  path: string;
  name: string;
  on: Triggers;
  env: Record<string, string>;
  defaults: RunDefaults;
  concurrency?: Concurrency;
  jobs: WorkflowJob[];
}

/**
 * One job as it will run: a matrix job becomes one of these per leg. `key` is unique in the
 * run (`build` or `build (ubuntu, 18)`), and is what check runs and job rows are keyed by.
 */
export interface PlannedJob {
  key: string;
  /** The `jobs:` id it came from: what `needs:` names. */
  jobId: string;
  name: string;
  runsOn: string[];
  matrix: Record<string, unknown> | null;
  strategy: { "fail-fast": boolean; "job-index": number; "job-total": number; "max-parallel": number } | null;
  job: WorkflowJob;
  /** Set on a job of a called (reusable) workflow. */
  call?: PlannedCall;
  /** Why this job cannot run: it is planned (its check run fails naming the feature), never published. */
  refusal?: string;
  /** `environment`: its name evaluated (unless it reads `needs`), its url as written (the runner's). */
  environment?: { name: string; url?: string };
  /** Fields that read `needs`: decided when the job is released (see DeferredFields). */
  deferred?: DeferredFields;
}

/** What a job of a called workflow sees and leaves behind. */
export interface PlannedCall {
  /** The call's `with:`, evaluated, defaults filled in: the job's `inputs` context. */
  inputs: Record<string, unknown>;
  /** The call's `secrets:` evaluated at plan time, when `secrets` are empty (what a fork's pull request gets). */
  secrets: Record<string, string>;
  /**
   * The `secrets:` of every call this job is inside, as written, outermost first: the bot
   * applies them to the stored secrets when the runner asks (bot/secrets/call-chain.ts).
   */
  secretChain: (Record<string, string> | "inherit")[];
  /**
   * `on.workflow_call.outputs` of every call this job is inside, by the call's scope (the
   * job-id prefix of its jobs, e.g. `build` or `build/inner`): how the caller's
   * `needs.<caller>.outputs` are computed once the called jobs are done.
   */
  outputs: Record<string, Record<string, string>>;
}

/** A problem in a workflow file, with the 1-based position GitHub's annotations want. */
export interface WorkflowProblem {
  message: string;
  line: number;
  column: number;
}

export type ParseResult = Result<Workflow, WorkflowProblem[]>;
