/**
 * `flotilla runner start` as an operator runs it on open NATS: a real process, its output kept
 * (`all`), its environment only what is given (so the suite's own settings do not leak in).
 */
import { execa, type ResultPromise } from "execa";
import { BIN } from "./flotilla-bin.ts";

export interface RunnerProcessOptions {
  natsUrl: string;
  prefix: string;
  name: string;
  /** Comma-separated, as `--labels` takes them. */
  labels: string;
  workDir: string;
  home: string;
  /** Further arguments (`--once`, `--concurrency 2`, …). */
  args?: string[];
  /** Further environment (lease, heartbeat and grace settings); LOG_LEVEL may be overridden. */
  env?: Record<string, string>;
}

export function runnerProcess(options: RunnerProcessOptions): ResultPromise {
  const { natsUrl, prefix, name, labels, workDir, home } = options;
  return execa(
    "node",
    [
      BIN,
      "runner",
      "start",
      "--nats",
      natsUrl,
      "--prefix",
      prefix,
      "--labels",
      labels,
      "--name",
      name,
      "--work-dir",
      workDir,
      ...(options.args ?? []),
    ],
    {
      env: { PATH: process.env.PATH ?? "", HOME: home, LOG_FORMAT: "json", LOG_LEVEL: "info", ...options.env },
      extendEnv: false,
      reject: false,
      all: true,
    },
  );
}
