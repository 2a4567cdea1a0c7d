/**
 * The post steps actions queued (see PostStep), after the job's own steps: newest first, each
 * when its condition holds, each reported as a step after the last one. A failing post fails
 * the job, as on GitHub. After a cancel or the job's timeout they still run (their conditions
 * see `cancelled()`), each with the cleanup signal as on GitHub, not the job's aborted one;
 * when the runner is stopping they are skipped (the job goes back to the queue).
 */
import type { Conclusion, StepResult } from "../../protocol/messages.ts";
import type { JobStepsContext } from "./job-context.ts";
import type { PreparedJob } from "./job-prepare.ts";
import { takeExtraStep } from "./extra-step.ts";

export async function runPostSteps(
  context: JobStepsContext,
  prepared: PreparedJob,
  firstIndex: number,
): Promise<{ steps: StepResult[]; failure?: { conclusion: Conclusion; message: string } }> {
  const steps: StepResult[] = [];
  let failure: { conclusion: Conclusion; message: string } | undefined;
  const posts = [...prepared.state.posts].reverse();
  for (const [offset, post] of posts.entries()) {
    const step = await takeExtraStep(context, prepared, {
      index: firstIndex + offset,
      name: () => `Post ${post.name}`,
      condition: post.condition,
      conditionError: (error) => (error as Error).message,
      run: (signal) => post.run(signal),
      settle(result, name) {
        if (result.outcome === "success" || result.outcome === "skipped") return;
        context.jobLog.line(`##[error]${result.message ?? `${name} failed`}`);
        prepared.state.status = "failure";
        failure ??= { conclusion: result.outcome, message: result.message ?? `${name} failed` };
      },
    });
    steps.push(step);
  }
  return { steps, ...(failure ? { failure } : {}) };
}
