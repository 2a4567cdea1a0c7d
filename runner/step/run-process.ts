/**
 * The step contract, shared by the job's steps and the actions they call: what a step is given
 * (StepRunContext) and what it gives back (StepRun); and runProcess, one process of a step —
 * a `run:` script or a phase of a JavaScript action — with its step files and workflow commands.
 */
import { readFile } from "node:fs/promises";
import type { JobMessage } from "../../protocol/messages.ts";
import type { Contexts, ExpressionFunctions } from "../../protocol/expressions/index.ts";
import type { ObjectStoreAccess } from "../../protocol/object-stores.ts";
import type { HashFilesResolver } from "../expressions/hash-files.ts";
import type { LogStreamer } from "../report/log-streamer.ts";
import type { CancelReason } from "./cancel.ts";
import type { StepConclusion, StepExecutor } from "./executor.ts";
import type { JobState } from "./job-state.ts";
import { stepEnv } from "./step-env.ts";
import { createStepFiles, parseKeyValueFile, readStepFiles, StepFileError, stepFileEnv } from "./step-files.ts";
import { commandProcessor } from "./workflow-commands.ts";
import type { JobDirs } from "./workspace.ts";

/** GitHub keeps at most 50 annotations per job. */
const MAX_ANNOTATIONS_PER_JOB = 50;

export interface StepRunContext {
  job: JobMessage;
  runnerName: string;
  dirs: JobDirs;
  executor: StepExecutor;
  jobLog: LogStreamer;
  /** Aborts this step (the job's signal, or the narrower one of a cleanup step after a cancel). */
  signal: AbortSignal;
  state: JobState;
  /** The step's contexts, with `env` before the step's own. */
  contexts: Contexts;
  functions: ExpressionFunctions;
  hashFiles: HashFilesResolver;
  debug: boolean;
  /** Runner-set variables every step gets (GITHUB_EVENT_PATH, RUNNER_TOOL_CACHE…). */
  runnerEnv: Record<string, string>;
  /** The artifact and cache stores; absent in `flotilla run`, where the built-ins that need them refuse. */
  stores?: ObjectStoreAccess;
  /** The runner's `actionsUrl`: where remote actions are fetched from instead of the job's forge. */
  actionsUrl?: string;
}

export interface StepRun {
  outcome: StepConclusion;
  /** Why it did not succeed, for the job's message. */
  message?: string;
  cancel?: CancelReason;
  startedAt: Date;
  completedAt: Date;
  outputs: Record<string, string>;
}

/** A step that failed before anything ran (its fields, its action); the caller logs `message` with the step's name. */
export function failedRun(message: string, startedAt: Date): StepRun {
  return { outcome: "failure", message, startedAt, completedAt: new Date(), outputs: {} };
}

/** One process of a step: a `run:` script, or a phase of a JavaScript action. */
export interface ProcessRequest {
  script: string;
  /** GitHub's `shell:`; a custom template (`… {0}`) is how an action's `node main.js` is started. */
  shell?: string;
  cwd: string;
  /** The user's env (job env, GITHUB_ENV, the step's env) plus what an action adds (INPUT_*, STATE_*…). */
  env: Record<string, string>;
  /** GITHUB_ACTION. */
  action: string;
  timeoutMinutes?: number;
}

export interface ProcessRun extends StepRun {
  /** `name=value` pairs the process wrote to GITHUB_STATE (for an action's later phases). */
  state: Record<string, string>;
}

/**
 * Runs one process with fresh step files and workflow-command processing, then folds what it
 * wrote into the job's state (GITHUB_ENV, GITHUB_PATH, the summary). Shared by `run:` steps and
 * JavaScript actions, so both talk to the runner in exactly the same way.
 */
export async function runProcess(context: StepRunContext, request: ProcessRequest): Promise<ProcessRun> {
  const { job, dirs, jobLog, state } = context;
  const files = await createStepFiles(dirs.temp);
  const env = stepEnv(
    { job, runnerName: context.runnerName, workspace: dirs.workspace, temp: dirs.temp, home: dirs.home },
    {
      user: request.env,
      path: state.path,
      runner: { ...context.runnerEnv, ...stepFileEnv(files), GITHUB_ACTION: request.action },
    },
  );
  const onLine = commandProcessor({
    debug: context.debug,
    workspace: dirs.workspace,
    sink: {
      line: (line) => jobLog.line(line),
      addMask: (value) => jobLog.addMask(value),
      annotate(annotation) {
        if (state.annotations.length >= MAX_ANNOTATIONS_PER_JOB) return;
        const message = jobLog.mask(annotation.message);
        state.annotations.push({
          ...annotation,
          // The command's `##[level]` line was just written, a message of several lines as several:
          // the job page links the annotation to its first.
          logLine: jobLog.lines() - (message.split("\n").length - 1),
          message,
          ...(annotation.title ? { title: jobLog.mask(annotation.title) } : {}),
        });
      },
    },
  });
  const result = await context.executor.run({
    script: request.script,
    ...(request.shell !== undefined ? { shell: request.shell } : {}),
    cwd: request.cwd,
    env,
    scriptDir: dirs.temp,
    timeoutMs: request.timeoutMinutes === undefined ? undefined : request.timeoutMinutes * 60_000,
    signal: context.signal,
    onLine,
  });
  const run: ProcessRun = {
    outcome: result.conclusion,
    startedAt: result.startedAt,
    completedAt: result.completedAt,
    outputs: {},
    state: {},
  };
  if (result.message) run.message = result.message;
  if (result.cancel) run.cancel = result.cancel;
  // GitHub reads the files whatever the step's result: a failing step's outputs still count.
  try {
    const written = await readStepFiles(files);
    run.outputs = written.outputs;
    run.state = parseKeyValueFile(await readFile(files.state, "utf8").catch(() => ""), "GITHUB_STATE");
    Object.assign(state.env, written.env);
    for (const dir of written.path) state.path.unshift(dir);
    if (written.summary.trim() !== "") state.summaries.push(jobLog.mask(written.summary));
  } catch (error) {
    if (!(error instanceof StepFileError)) throw error;
    if (run.outcome === "success") Object.assign(run, { outcome: "failure", message: error.message });
    else jobLog.line(`##[error]${error.message}`);
  }
  return run;
}

/** `working-directory` is relative to the workspace, as in GitHub Actions; absolute paths are kept. */
export function resolveInside(workspace: string, dir: string): string {
  return dir.startsWith("/") ? dir : `${workspace}/${dir}`;
}
