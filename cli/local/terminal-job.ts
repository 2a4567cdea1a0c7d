/**
 * Where a job's log and reports go when it runs on this machine: the terminal, instead of
 * NATS. The runner's log streamer still does the masking (secrets, `::add-mask::`), so a
 * value is hidden here exactly as it would be on the log page.
 */
import type { Logger } from "pino";
import type { Conclusion } from "../../protocol/messages.ts";
import { createLogStreamer, type JobReporter, type LogStreamer } from "../../runner/local-job.ts";

export interface TerminalJob {
  jobLog: LogStreamer;
  reporter: JobReporter;
}

/**
 * `write` gets whole lines without their newline, each already prefixed with `[key]`;
 * `secrets` are masked from the first line on, whether the job reads them or not.
 */
export function terminalJob(
  key: string,
  write: (line: string) => void,
  logger: Logger,
  secrets: readonly string[] = [],
): TerminalJob {
  const prefix = `[${key}]`;
  // Kept for its masks and tail; printing happens in `line`, in order, as each line arrives.
  const inner = createLogStreamer({ executionId: key, attempt: 1, publish: async () => {}, logger, secrets });
  const jobLog: LogStreamer = {
    line(text) {
      write(`${prefix} ${inner.mask(text)}`);
      inner.line(text);
    },
    addMask: (value) => inner.addMask(value),
    mask: (text) => inner.mask(text),
    lines: () => inner.lines(),
    tail: () => inner.tail(),
    close: () => inner.close(),
  };
  const started = new Map<number, number>();
  const reporter: JobReporter = {
    async started() {},
    async released() {},
    async step(index, name, status, conclusion) {
      // The log itself says `▶ name` when a step starts; the reporter closes the line.
      if (status === "in_progress") {
        started.set(index, Date.now());
        return;
      }
      const since = started.get(index);
      if (since === undefined && conclusion === "skipped") {
        write(`${prefix} ○ ${name} (skipped)`);
        return;
      }
      const took = formatDuration(since === undefined ? 0 : Date.now() - since);
      write(
        `${prefix} ${conclusionMark(conclusion)} ${name} (${took}${conclusion && conclusion !== "success" && conclusion !== "failure" ? `, ${conclusion}` : ""})`,
      );
    },
    async completed() {},
    async publishLog() {},
  };
  return { jobLog, reporter };
}

export function conclusionMark(conclusion: Conclusion | undefined): string {
  if (conclusion === "success") return "✓";
  if (conclusion === "skipped") return "○";
  return "✗";
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}
