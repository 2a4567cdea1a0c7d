/**
 * The end of `flotilla run`: one table row per job (result and duration), then what a check
 * run would have shown besides the log — annotations and the steps' GITHUB_STEP_SUMMARY.
 */
import type { JobReport } from "./run-graph.ts";
import { conclusionMark, formatDuration } from "./terminal-job.ts";

export interface RunReports {
  workflowPath: string;
  workflowName: string;
  jobs: JobReport[];
}

export function formatSummary(runs: RunReports[]): string[] {
  const rows = runs.flatMap((run) =>
    run.jobs.map((job) => ({
      workflow: run.workflowName,
      job: job.key,
      result: `${conclusionMark(job.conclusion)} ${job.conclusion}`,
      duration: job.durationMs > 0 ? formatDuration(job.durationMs) : "-",
      note: job.conclusion === "success" || job.conclusion === "skipped" || !job.message ? "" : job.message,
    })),
  );
  const showWorkflow = runs.length > 1;
  const header = { workflow: "WORKFLOW", job: "JOB", result: "RESULT", duration: "DURATION", note: "" };
  const width = (pick: (row: typeof header) => string): number =>
    Math.max(...[header, ...rows].map((row) => pick(row).length));
  const widths = {
    workflow: width((r) => r.workflow),
    job: width((r) => r.job),
    result: width((r) => r.result),
    duration: width((r) => r.duration),
  };
  const line = (row: typeof header): string =>
    [
      showWorkflow ? row.workflow.padEnd(widths.workflow) : undefined,
      row.job.padEnd(widths.job),
      row.result.padEnd(widths.result),
      row.duration.padEnd(widths.duration),
      row.note,
    ]
      .filter((cell) => cell !== undefined)
      .join("  ")
      .trimEnd();
  const out = ["", "Summary", line(header), ...rows.map(line)];

  const annotations = runs.flatMap((run) =>
    run.jobs.flatMap((job) =>
      job.annotations.map((a) => {
        // An annotation without a file points at the workflow file, as in the check run.
        const where = `${a.file ?? run.workflowPath}${a.line ? `:${a.line}` : ""}${a.line && a.col ? `:${a.col}` : ""}`;
        return `${where}: ${a.level}: ${a.title ? `${a.title}: ` : ""}${a.message} (${job.key})`;
      }),
    ),
  );
  if (annotations.length > 0) out.push("", "Annotations", ...annotations);

  for (const run of runs) {
    for (const job of run.jobs) {
      if (job.summary.trim() === "") continue;
      out.push("", `Step summary of ${job.key}`, ...job.summary.trimEnd().split("\n"));
    }
  }
  return out;
}
