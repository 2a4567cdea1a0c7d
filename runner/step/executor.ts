/**
 * Running one step's script as its own process group, so that a timeout, a cancel or the
 * step's end can kill everything it started — including `sleep 1000 &` in the background.
 */
import { randomBytes } from "node:crypto";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { execa } from "execa";
import { cancelReason, conclusionOf, type CancelReason } from "./cancel.ts";
import { resolveShell, type ShellCommand } from "./shells.ts";

export interface StepRequest {
  script: string;
  /** GitHub's `shell:` (see shells.ts); bash when absent and installed, else sh. */
  shell?: string;
  cwd: string;
  /** The complete environment: nothing of the runner's own is added (see step-env.ts). */
  env: Record<string, string>;
  /** Where the script file is written (the job's temp dir). */
  scriptDir: string;
  timeoutMs?: number;
  /** Aborted with a CancelReason to cancel the step (job cancelled, job timed out, runner stopping). */
  signal?: AbortSignal;
  /** Every line of stdout and stderr, interleaved in the order they were written. */
  onLine(line: string): void;
}

export type StepConclusion = "success" | "failure" | "cancelled" | "timed_out";

interface StepOutcome {
  conclusion: StepConclusion;
  exitCode: number | null;
  startedAt: Date;
  completedAt: Date;
  durationMs: number;
  /** Why the step ended when it was not the script's own exit (timeout, cancel, bad shell). */
  message?: string;
  /** Set when the step was stopped from outside. */
  cancel?: CancelReason;
}

/**
 * StepExecutor runs one step to its end. `run` resolves when the step's process group is
 * gone and all its output was passed to `onLine`; it does not reject for anything the step
 * does (a bad shell, a missing directory, a non-zero exit are a `failure` outcome). On
 * timeout or abort the whole group gets SIGTERM, then SIGKILL after the grace period. Steps
 * of one job run one after another; steps of different jobs may run concurrently.
 */
export interface StepExecutor {
  run(request: StepRequest): Promise<StepOutcome>;
}

export function processExecutor(options: { cancelGraceMs: number }): StepExecutor {
  return {
    async run(request) {
      const startedAt = new Date();
      const finish = (
        conclusion: StepConclusion,
        exitCode: number | null,
        extra: Partial<StepOutcome> = {},
      ): StepOutcome => {
        const completedAt = new Date();
        return {
          conclusion,
          exitCode,
          startedAt,
          completedAt,
          durationMs: completedAt.getTime() - startedAt.getTime(),
          ...extra,
        };
      };
      const early = cancelReason(request.signal);
      if (early) return finish(conclusionOf(early), null, { message: early.message, cancel: early });

      let command: ShellCommand;
      try {
        command = resolveShell(
          request.shell,
          request.env.PATH,
          join(request.scriptDir, `step-${randomBytes(6).toString("hex")}`),
        );
      } catch (error) {
        return finish("failure", null, { message: error instanceof Error ? error.message : String(error) });
      }
      if (!(await isDirectory(request.cwd)))
        return finish("failure", null, { message: `working directory ${request.cwd} does not exist` });
      await writeFile(command.script, request.script, { mode: 0o700 });

      // One pipe for both streams, as a terminal would have it: `exec … 2>&1` in a tiny sh
      // wrapper (replaced by the shell itself, same pid) keeps stdout and stderr lines in the
      // order they were written, which two pipes read side by side cannot promise.
      const subprocess = execa("/bin/sh", ["-c", 'exec "$@" 2>&1', "flotilla-step", command.file, ...command.args], {
        cwd: request.cwd,
        env: request.env,
        extendEnv: false,
        detached: true,
        all: true,
        buffer: false,
        reject: false,
        stdin: "ignore",
      });
      const pid = subprocess.pid;
      let stopped: CancelReason | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      function terminate(reason: CancelReason): void {
        if (stopped || pid === undefined) return;
        stopped = reason;
        killGroup(pid, "SIGTERM");
        killTimer = setTimeout(() => killGroup(pid, "SIGKILL"), options.cancelGraceMs);
      }
      const onAbort = (): void =>
        terminate(cancelReason(request.signal) ?? { kind: "cancelled", message: "cancelled" });
      request.signal?.addEventListener("abort", onAbort, { once: true });
      // An abort while the script was being written has fired already: a listener added now would never hear it.
      if (request.signal?.aborted) onAbort();
      const timeoutMs = request.timeoutMs;
      const timeoutTimer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => terminate({ kind: "timed_out", message: `timed out after ${formatMinutes(timeoutMs)}` }),
              Math.min(timeoutMs, 2 ** 31 - 1),
            );
      // The script is done when its main process exits; whatever it left running in the
      // background goes with it (and would otherwise hold the output pipe open forever).
      subprocess.once("exit", () => {
        if (pid !== undefined) killGroup(pid, "SIGKILL");
      });
      const lines = lineSplitter(request.onLine);
      subprocess.all?.on("data", (data: Buffer) => lines.write(data));

      const result = await subprocess;
      lines.end();
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      request.signal?.removeEventListener("abort", onAbort);
      const exitCode = typeof result.exitCode === "number" ? result.exitCode : null;
      if (stopped) return finish(conclusionOf(stopped), exitCode, { message: stopped.message, cancel: stopped });
      if (exitCode === 0) return finish("success", 0);
      const how = exitCode === null ? `was killed by ${result.signal ?? "a signal"}` : `exited with code ${exitCode}`;
      return finish("failure", exitCode, { message: `the step ${how}` });
    },
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return minutes >= 1 && Number.isInteger(minutes)
    ? `${minutes} minute${minutes === 1 ? "" : "s"}`
    : `${Math.round(ms / 1000)}s`;
}

/** Bytes in, whole lines out; a UTF-8 character split across reads stays whole. */
function lineSplitter(onLine: (line: string) => void): { write(data: Buffer): void; end(): void } {
  const decoder = new StringDecoder("utf8");
  let partial = "";
  function emit(text: string, final: boolean): void {
    const parts = (partial + text).split("\n");
    partial = final ? "" : (parts.pop() ?? "");
    if (final && parts[parts.length - 1] === "") parts.pop();
    for (const part of parts) onLine(part.endsWith("\r") ? part.slice(0, -1) : part);
  }
  return {
    write: (data) => emit(decoder.write(data), false),
    end: () => emit(decoder.end(), true),
  };
}
