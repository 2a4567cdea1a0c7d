/**
 * The body of a job: checkout, the actions' pre steps, then the steps in order as GitHub Actions runs them — each
 * step's `if` decides (implicitly `success()`), a failure makes later steps run only when
 * they ask for `always()`/`failure()`, a cancel only `always()`/`cancelled()` — then the
 * job's outputs. Knows nothing of leases or acks (run-job.ts settles the message).
 */
import type { Conclusion, RunnerAnnotation, StepResult } from "../../protocol/messages.ts";
import { cancelReason, conclusionOf, type CancelReason } from "../step/cancel.ts";
import type { JobStepsContext } from "./job-context.ts";
import { prepareJob, stepScope, type PreparedJob } from "./job-prepare.ts";
import { evaluateJobOutputs } from "./job-outputs.ts";
import { environmentSummary } from "./job-environment.ts";
import { runPostSteps } from "./post-steps.ts";
import { collectPreSteps, runPreSteps } from "./pre-steps.ts";
import { runStepAt } from "./step-turn.ts";

export interface JobResult {
  conclusion: Conclusion;
  steps: StepResult[];
  message?: string;
  /** Set when the job was stopped from outside rather than ending by itself. */
  cancel?: CancelReason;
  outputs?: Record<string, string>;
  annotations?: RunnerAnnotation[];
  summary?: string;
}

export async function runJobSteps(context: JobStepsContext): Promise<JobResult> {
  const { job, jobLog, signal } = context;
  // Secrets are masked from the first line on, before any step could print one.
  for (const secret of Object.values(job.contexts.secrets)) jobLog.addMask(secret);

  jobLog.line(`▶ Checkout ${job.repository.fullName}@${job.checkout.sha}`);
  try {
    await context.checkout.checkout(
      {
        cloneUrl: job.checkout.cloneUrl,
        sha: job.checkout.sha,
        ref: job.checkout.ref,
        token: job.checkout.token,
        dir: context.dirs.workspace,
      },
      { jobLog, signal },
    );
  } catch (error) {
    const cancel = cancelReason(signal);
    const message = cancel?.message ?? `checkout failed: ${error instanceof Error ? error.message : String(error)}`;
    jobLog.line(message);
    return { conclusion: cancel ? conclusionOf(cancel) : "failure", steps: await skipAll(context, 0), message, cancel };
  }

  const preparing = await prepareJob(context);
  if (!preparing.ok) return refused(context, preparing.reason);
  const prepared = preparing.value;
  const collected = await collectPreSteps(context, prepared);
  if (!collected.ok) return refused(context, collected.reason);
  const pres = collected.value;
  // GitHub's pre steps run first but are numbered after the job's steps, as the posts are.
  const preRun = await runPreSteps(context, prepared, pres, job.steps.length);
  const steps: StepResult[] = [...preRun.steps];
  let failure: { conclusion: Conclusion; message: string } | undefined = preRun.failure;
  for (const [index, step] of job.steps.entries()) {
    if (cancelReason(signal)?.kind === "runner_stopping") {
      steps.push(...(await skipAll(context, index)));
      break;
    }
    const turn = await runStepAt(context, prepared, step, index);
    steps.push(turn.result);
    if (turn.failure && !failure) failure = turn.failure;
  }
  const posts = await runPostSteps(context, prepared, job.steps.length + pres.length);
  steps.push(...posts.steps);
  failure ??= posts.failure;
  return finish(context, prepared, steps, failure);
}

async function finish(
  context: JobStepsContext,
  prepared: PreparedJob,
  steps: StepResult[],
  failure: { conclusion: Conclusion; message: string } | undefined,
): Promise<JobResult> {
  const { state } = prepared;
  const cancel = cancelReason(context.signal);
  const scope = stepScope(context, prepared);
  const outputs = await evaluateJobOutputs(
    context.job.outputs,
    scope.contexts,
    scope.functions,
    scope.hashFiles,
    context.jobLog,
  );
  const environment = await environmentSummary(context.job, scope, context.jobLog);
  const ended =
    cancel && cancel.kind !== "runner_stopping"
      ? { conclusion: conclusionOf(cancel), message: cancel.message }
      : failure;
  return {
    conclusion: ended?.conclusion ?? "success",
    steps,
    ...(ended ? { message: ended.message } : {}),
    ...(cancel ? { cancel } : {}),
    outputs,
    annotations: state.annotations,
    summary:
      environment + state.summaries.map((summary) => (summary.endsWith("\n") ? summary : `${summary}\n`)).join(""),
  };
}

/** The job fails before its first step (its env, its actions): every step skipped. */
async function refused(context: JobStepsContext, error: string): Promise<JobResult> {
  context.jobLog.line(`##[error]${error}`);
  return {
    conclusion: "failure",
    steps: await skipAll(context, 0),
    message: error,
    cancel: cancelReason(context.signal),
  };
}

async function skipAll(context: JobStepsContext, from: number): Promise<StepResult[]> {
  const skipped: StepResult[] = [];
  for (const [index, step] of context.job.steps.entries()) {
    if (index < from) continue;
    const at = new Date().toISOString();
    skipped.push({ index, name: step.name, outcome: "skipped", conclusion: "skipped", startedAt: at, completedAt: at });
    await context.reporter.step(index, step.name, "completed", "skipped");
  }
  return skipped;
}
