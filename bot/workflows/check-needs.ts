/**
 * `needs` must name jobs of the workflow and must not form a cycle. GitHub's converter checks
 * this too; these are its messages, so a workflow built or changed after parsing gets the
 * same answer.
 */
import type { WorkflowJob, WorkflowProblem } from "./workflow.ts";

export function checkNeeds(jobs: WorkflowJob[]): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  const ids = new Set(jobs.map((job) => job.key));
  const at = (job: WorkflowJob) => job.position ?? { line: 1, column: 1 };
  for (const job of jobs) {
    for (const need of job.needs) {
      if (!ids.has(need)) problems.push({ message: `Job '${job.key}' depends on unknown job '${need}'.`, ...at(job) });
    }
  }
  // Kahn's algorithm: whatever never becomes ready sits on (or behind) a cycle.
  const waiting = new Map(jobs.map((job) => [job.key, new Set(job.needs.filter((n) => ids.has(n)))]));
  const ready = jobs.filter((job) => waiting.get(job.key)!.size === 0).map((job) => job.key);
  if (jobs.length > 0 && ready.length === 0) {
    problems.push({ message: "The workflow must contain at least one job with no dependencies.", ...at(jobs[0]!) });
  }
  while (ready.length > 0) {
    const done = ready.shift()!;
    for (const [key, needs] of waiting) {
      if (needs.delete(done) && needs.size === 0) ready.push(key);
    }
    waiting.delete(done);
  }
  for (const job of jobs) {
    for (const need of waiting.get(job.key) ?? []) {
      problems.push({
        message: `Job '${job.key}' depends on job '${need}' which creates a cycle in the dependency graph.`,
        ...at(job),
      });
    }
  }
  return problems;
}
