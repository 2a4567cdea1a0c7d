/**
 * A step's environment, built from nothing: the runner's own variables (its NATS
 * credentials, cloud keys, tokens in the operator's shell) must never reach job code. Only a
 * small safe base is carried over, then the GitHub-compatible variables, then the user's
 * env (workflow and job `env`, GITHUB_ENV additions, the step's `env`: later wins, as in
 * GitHub Actions), then the GITHUB_PATH additions in front of PATH.
 */
import type { JobMessage } from "../../protocol/messages.ts";
import { runnerArch, runnerOs } from "../../protocol/labels.ts";

/** What the runner decided about this job's filesystem and identity. */
export interface StepEnvContext {
  job: JobMessage;
  runnerName: string;
  /** GITHUB_WORKSPACE: where the code is checked out. */
  workspace: string;
  /** RUNNER_TEMP and TMPDIR: per job, removed with it. */
  temp: string;
  /** HOME: per job, so `~/.gitconfig`, `~/.npmrc` and their tokens on the runner stay out of reach. */
  home: string;
  /** The runner's environment, read only for the safe base. */
  hostEnv?: NodeJS.ProcessEnv;
}

const SAFE_BASE = ["PATH", "LANG", "LC_ALL", "USER", "SHELL"] as const;
const FALLBACK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface StepEnvLayers {
  /** The user's variables, already merged and evaluated; the job's `env` when absent. */
  user?: Record<string, string>;
  /** GITHUB_PATH additions, newest first. */
  path?: readonly string[];
  /** More runner-set variables (GITHUB_OUTPUT, GITHUB_EVENT_PATH…), set before the user's. */
  runner?: Record<string, string>;
}

export function stepEnv(context: StepEnvContext, layers: StepEnvLayers = {}): Record<string, string> {
  const { job } = context;
  const hostEnv = context.hostEnv ?? process.env;
  const env: Record<string, string> = {};
  for (const key of SAFE_BASE) {
    const value = hostEnv[key];
    if (value !== undefined) env[key] = value;
  }
  env.PATH ??= FALLBACK_PATH;
  // As the forge names the repository (the bot's `github`): a host-qualified name is Flotilla's own key.
  const repository = githubText(job, "repository") || job.repository.fullName;
  const owner = githubText(job, "repository_owner") || (repository.split("/")[0] ?? "");
  Object.assign(env, {
    HOME: context.home,
    TMPDIR: context.temp,
    CI: "true",
    GITHUB_ACTIONS: "true",
    FLOTILLA: "true",
    GITHUB_SHA: job.sha,
    GITHUB_REF: job.ref,
    GITHUB_REF_NAME: refName(job.ref),
    // A pull request's branches (its head's, its base's); empty for other events, as on GitHub.
    GITHUB_HEAD_REF: githubText(job, "head_ref"),
    GITHUB_BASE_REF: githubText(job, "base_ref"),
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: owner,
    GITHUB_WORKSPACE: context.workspace,
    GITHUB_EVENT_NAME: job.eventName,
    GITHUB_RUN_ID: job.runId,
    GITHUB_RUN_NUMBER: String(job.runNumber),
    GITHUB_RUN_ATTEMPT: String(job.runAttempt),
    GITHUB_JOB: job.jobKey,
    GITHUB_WORKFLOW: job.workflow.name,
    GITHUB_ACTOR: job.actor,
    GITHUB_SERVER_URL: job.serverUrl,
    GITHUB_API_URL: job.apiUrl,
    RUNNER_OS: runnerOs(),
    RUNNER_ARCH: runnerArch(),
    RUNNER_NAME: context.runnerName,
    RUNNER_TEMP: context.temp,
  } satisfies Record<string, string>);
  Object.assign(env, layers.runner ?? {}, layers.user ?? job.env);
  if (layers.path && layers.path.length > 0) env.PATH = [...layers.path, env.PATH ?? FALLBACK_PATH].join(":");
  return env;
}

function githubText(job: JobMessage, key: string): string {
  const value = job.contexts.github[key];
  return typeof value === "string" ? value : "";
}

/** `refs/heads/main` → `main`, `refs/pull/7/merge` → `7/merge`, as GitHub spells GITHUB_REF_NAME. */
export function refName(ref: string): string {
  const match = /^refs\/(?:heads|tags|pull)\/(.+)$/.exec(ref);
  return match?.[1] ?? ref;
}
