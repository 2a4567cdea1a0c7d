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

/** The arguments of `flotilla runner start` on open NATS (also what the bench's runners are started with). */
export function runnerStartArgs(options: {
  natsUrl: string;
  prefix: string;
  name: string;
  workDir: string;
  labels?: string;
  namespace?: string;
}): string[] {
  return [
    "runner",
    "start",
    "--nats",
    options.natsUrl,
    "--prefix",
    options.prefix,
    ...(options.labels === undefined ? [] : ["--labels", options.labels]),
    ...(options.namespace === undefined ? [] : ["--namespace", options.namespace]),
    "--name",
    options.name,
    "--work-dir",
    options.workDir,
  ];
}

export function runnerProcess(options: RunnerProcessOptions): ResultPromise {
  const { home } = options;
  return execa("node", [BIN, ...runnerStartArgs(options), ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? "", HOME: home, LOG_FORMAT: "json", LOG_LEVEL: "info", ...options.env },
    extendEnv: false,
    reject: false,
    all: true,
  });
}
