/**
 * The post steps actions queued (see PostStep), after the job's own steps: newest first, each
 * when its condition holds, each reported as a step after the last one. A failing post fails
 * the job, as on GitHub. After a cancel or the job's timeout they still run (their conditions
 * see `cancelled()`), each with the cleanup signal as on GitHub, not the job's aborted one;
 * when the runner is stopping they are skipped (the job goes back to the queue).
 */
import type { Conclusion, StepResult } from "../../protocol/messages.ts";
import { cancelReason } from "../step/cancel.ts";
import { cleanupSignal } from "../step/cleanup-signal.ts";
import { evaluateCondition } from "../../protocol/expressions/index.ts";
import type { JobStepsContext } from "./job-context.ts";
import { stepScope, type PreparedJob } from "./job-prepare.ts";

export async function runPostSteps(
  context: JobStepsContext,
  prepared: PreparedJob,
  firstIndex: number,
): Promise<{ steps: StepResult[]; failure?: { conclusion: Conclusion; message: string } }> {
  const steps: StepResult[] = [];
  let failure: { conclusion: Conclusion; message: string } | undefined;
  const posts = [...prepared.state.posts].reverse();
  for (const [offset, post] of posts.entries()) {
    const index = firstIndex + offset;
    const name = `Post ${post.name}`;
    const scope = stepScope(context, prepared);
    const cancel = cancelReason(context.signal);
    if (cancel && prepared.state.status !== "cancelled") prepared.state.status = "cancelled";
    let run = false;
    if (cancel?.kind !== "runner_stopping") {
      try {
        run = await scope.hashFiles.settle(() => evaluateCondition(post.condition, scope.contexts, scope.functions));
      } catch (error) {
        context.jobLog.line(`##[error]${name}: ${(error as Error).message}`);
      }
    }
    const startedAt = new Date().toISOString();
    if (!run) {
      steps.push({ index, name, outcome: "skipped", conclusion: "skipped", startedAt, completedAt: startedAt });
      await context.reporter.step(index, name, "completed", "skipped");
      continue;
    }
    await context.reporter.step(index, name, "in_progress");
    context.jobLog.line(`▶ ${name}`);
    const cleanup = cancel ? cleanupSignal(context.stopping) : undefined;
    let result: Awaited<ReturnType<typeof post.run>>;
    try {
      result = await post.run(cleanup?.signal ?? context.signal);
    } finally {
      cleanup?.dispose();
    }
    if (result.outcome !== "success" && result.outcome !== "skipped") {
      context.jobLog.line(`##[error]${result.message ?? `${name} failed`}`);
      prepared.state.status = "failure";
      failure ??= { conclusion: result.outcome, message: result.message ?? `${name} failed` };
    }
    steps.push({
      index,
      name,
      outcome: result.outcome,
      conclusion: result.outcome,
      startedAt,
      completedAt: new Date().toISOString(),
    });
    await context.reporter.step(index, name, "completed", result.outcome);
  }
  return { steps, ...(failure ? { failure } : {}) };
}
