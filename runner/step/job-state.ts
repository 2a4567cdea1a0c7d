/**
 * What a job accumulates as its steps run, and the expression contexts built from it
 * (https://docs.github.com/actions/learn-github-actions/contexts): the bot's contexts
 * (`github`, `vars`, `secrets`, `matrix`, `strategy`, `needs`, `inputs`) plus what only the
 * runner knows (`env`, `steps`, `runner`, `job`).
 */
import { type Conclusion, forgeContexts, type JobMessage, type RunnerAnnotation } from "../../protocol/messages.ts";
import { runnerArch, runnerOs } from "../../protocol/labels.ts";
import type { Contexts } from "../../protocol/expressions/index.ts";
import type { JobStatus } from "../expressions/status-functions.ts";
import { refName } from "./step-env.ts";

export interface StepContext {
  outputs: Record<string, string>;
  outcome: Conclusion;
  conclusion: Conclusion;
}

/**
 * Work an action left for the end of the job (`post:` of a JavaScript action, saving a cache):
 * run after the last step, newest first, when `condition` holds (`always()` unless the action
 * says otherwise), reported as a step named `Post <name>`.
 */
interface PostStep {
  name: string;
  condition: string;
  /** `signal` is the job's, or after a cancel the cleanup signal every post step gets. */
  run(signal: AbortSignal): Promise<{ outcome: Conclusion; message?: string }>;
}

/** A remote action's repository, fetched for this job (actions/fetch-action.ts). */
export interface FetchedRepo {
  owner: string;
  repo: string;
  ref: string;
  commit: string;
  /** The repository's tree at `commit` (no `.git`). */
  dir: string;
}

export interface JobState {
  status: JobStatus;
  /** The job's evaluated `env` plus GITHUB_ENV additions: the `env` context before a step's own. */
  env: Record<string, string>;
  /** GITHUB_PATH additions, newest first. */
  path: string[];
  /** `steps.<id>`, for steps that have an id. */
  steps: Record<string, StepContext>;
  summaries: string[];
  annotations: RunnerAnnotation[];
  posts: PostStep[];
  /** GITHUB_STATE written by the `pre` of a job step's JavaScript action at the job's start, by step index. */
  preStates: Map<number, Record<string, string>>;
  /** Remote action repositories fetched for this job, by `owner/repo@ref`: each is resolved once per job. */
  actions: Map<string, FetchedRepo>;
}

export interface RunnerFacts {
  name: string;
  workspace: string;
  temp: string;
  toolCache: string;
  debug: boolean;
}

export function newJobState(): JobState {
  return {
    status: "success",
    env: {},
    path: [],
    steps: {},
    summaries: [],
    annotations: [],
    posts: [],
    preStates: new Map(),
    actions: new Map(),
  };
}

/** The contexts that do not change while the job runs. */
export function fixedContexts(job: JobMessage, runner: RunnerFacts): Contexts {
  const { contexts } = job;
  const [owner = ""] = job.repository.fullName.split("/");
  // The bot's `github` wins; the message's own fields fill what it left out.
  const github = {
    sha: job.sha,
    ref: job.ref,
    ref_name: refName(job.ref),
    repository: job.repository.fullName,
    repository_owner: owner,
    run_id: job.runId,
    run_number: String(job.runNumber),
    run_attempt: String(job.runAttempt),
    actor: job.actor,
    event_name: job.eventName,
    server_url: job.serverUrl,
    api_url: job.apiUrl,
    job: job.jobKey,
    workflow: job.workflow.name,
    event: {},
    ...contexts.github,
    workspace: runner.workspace,
  };
  return {
    // The forge's own contexts (`gitlab` on a GitLab project's runs): readable only when the bot sent them.
    ...forgeContexts(contexts),
    github,
    vars: contexts.vars,
    secrets: contexts.secrets,
    matrix: contexts.matrix,
    strategy: contexts.strategy,
    needs: contexts.needs,
    inputs: contexts.inputs,
    runner: {
      os: runnerOs(),
      arch: runnerArch(),
      name: runner.name,
      temp: runner.temp,
      tool_cache: runner.toolCache,
      debug: runner.debug ? "1" : "",
    },
  };
}

/** The contexts a step's expressions see, with `env` as given (the step's own env included or not). */
export function stepContexts(fixed: Contexts, state: JobState, env: Record<string, string>): Contexts {
  return { ...fixed, env, steps: state.steps, job: { status: state.status } };
}

/** ACTIONS_STEP_DEBUG, from a secret or a variable, as GitHub reads it. */
export function stepDebug(job: JobMessage): boolean {
  return [job.contexts.secrets.ACTIONS_STEP_DEBUG, job.contexts.vars.ACTIONS_STEP_DEBUG].some(
    (value) => value?.toLowerCase() === "true",
  );
}
