/**
 * What a finished job's check run says: a title, a table of steps, and the end of the log.
 */
import type { Conclusion, RunnerAnnotation, StepResult } from "../../protocol/messages.ts";
import type { Annotation, CheckOutput } from "../forges/forge.ts";

/** GitHub refuses check run text or summary over 65,535 characters. */
export const GITHUB_TEXT_LIMIT = 65_535;

const ICONS: Record<Conclusion, string> = {
  success: "✅",
  failure: "❌",
  cancelled: "⛔",
  timed_out: "⏱️",
  skipped: "⏭️",
};

export interface CompletedJob {
  conclusion: Conclusion;
  steps: StepResult[];
  logTail: string;
  message?: string;
  runnerName?: string | null;
  namespace: string;
  startedAt?: Date | null;
  completedAt: Date;
  logUrl: string;
  /** What the steps wrote to GITHUB_STEP_SUMMARY. */
  stepSummary?: string;
  annotations?: RunnerAnnotation[];
  /** Where annotations without a file point: the workflow, as GitHub does. */
  workflowPath?: string;
}

export function checkRunOutput(job: CompletedJob): CheckOutput {
  const rows = job.steps.map(
    (s) =>
      `| ${ICONS[s.conclusion]} ${escapeCell(s.name)} | ${s.conclusion} | ${formatDuration(Date.parse(s.completedAt) - Date.parse(s.startedAt))} |`,
  );
  const summary = [
    job.message ? `**${escapeCell(job.message)}**\n` : "",
    rows.length > 0 ? ["| Step | Result | Duration |", "| --- | --- | --- |", ...rows].join("\n") : "No step ran.",
    "",
    `Ran on \`${job.runnerName ?? "unknown runner"}\`${job.namespace === "default" ? "" : ` in namespace \`${job.namespace}\``}. [Full log](${job.logUrl})`,
    ...(job.stepSummary?.trim() ? ["", "---", "", job.stepSummary.trim()] : []),
  ].join("\n");
  const annotations = (job.annotations ?? []).map((a) => toAnnotation(a, job.workflowPath ?? ".flotilla/workflows"));
  return {
    title: title(job),
    summary: summary.slice(0, GITHUB_TEXT_LIMIT),
    text: logText(job.logTail),
    ...(annotations.length > 0 ? { annotations } : {}),
  };
}

const LEVELS: Record<RunnerAnnotation["level"], Annotation["level"]> = {
  error: "failure",
  warning: "warning",
  notice: "notice",
};

function toAnnotation(a: RunnerAnnotation, fallbackPath: string): Annotation {
  const startLine = a.line ?? 1;
  return {
    path: a.file ?? fallbackPath,
    startLine,
    endLine: Math.max(startLine, a.endLine ?? startLine),
    ...(a.col ? { startColumn: a.col, endColumn: a.endColumn ?? a.col } : {}),
    level: LEVELS[a.level],
    message: a.message,
    ...(a.title ? { title: a.title } : {}),
  };
}

function title(job: CompletedJob): string {
  const took = job.startedAt ? ` in ${formatDuration(job.completedAt.getTime() - job.startedAt.getTime())}` : "";
  const failed = job.steps.find((s) => s.conclusion === "failure" || s.conclusion === "timed_out");
  switch (job.conclusion) {
    case "success":
      return `Succeeded${took}`;
    case "failure":
      return failed ? `Failed at step “${failed.name}”` : `Failed${job.message ? `: ${job.message}` : ""}`;
    case "timed_out":
      return failed ? `Timed out at step “${failed.name}”` : "Timed out";
    case "cancelled":
      return job.message ? `Cancelled: ${job.message}` : "Cancelled";
    case "skipped":
      return "Skipped";
  }
}

/** The log tail in a code block, cut from the front to fit, fenced so no log line can close it. */
export function logText(tail: string): string {
  const clean = stripAnsi(tail);
  const longestTicks = Math.max(2, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longestTicks + 1);
  const notice = "… (earlier output is on the log page)\n";
  const room = GITHUB_TEXT_LIMIT - fence.length * 2 - "text\n\n".length - notice.length;
  const body = clean.length > room ? notice + clean.slice(clean.length - room) : clean;
  return `${fence}text\n${body}\n${fence}`;
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g, "");
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${Math.round(s - m * 60)}s`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
