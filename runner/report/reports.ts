/**
 * What a runner says about one job attempt, on `<prefix>.status.<runnerId>.<executionId>`. Every
 * report is a JetStream publish whose ack we await: once `completed` is acknowledged it is
 * stored, and only then may the job message itself be acked.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { NatsNames } from "../../protocol/names.ts";
import {
  encode,
  type Conclusion,
  type LogChunk,
  type RunnerAnnotation,
  type RunnerEventInput,
  type RunnerRef,
  type StepResult,
} from "../../protocol/messages.ts";
import { abortableSleep } from "../sleep.ts";

interface CompletedReport {
  conclusion: Conclusion;
  steps: StepResult[];
  logTail: string;
  message?: string;
  outputs?: Record<string, string>;
  annotations?: RunnerAnnotation[];
  summary?: string;
}

export interface JobReporter {
  /** Best effort: the attempt goes back unfinished (runner stopping); the bot does not count it lost. */
  released(reason: string): Promise<void>;
  /** Best effort: a lost `started` is implied by the next report. */
  started(runner: RunnerRef): Promise<void>;
  /** Best effort, like `started`. */
  step(index: number, name: string, status: "in_progress" | "completed", conclusion?: Conclusion): Promise<void>;
  /** Retried; rejects if it could not be stored, and then the job must not be acked. */
  completed(result: CompletedReport): Promise<void>;
  /** For the log streamer. */
  publishLog(chunk: LogChunk): Promise<void>;
}

export interface ReportTarget {
  runnerId: string;
  executionId: string;
  attempt: number;
  /** The job message's claim, carried back so the bot knows the report comes from the job's holder. */
  claim: string;
}

export function jobReporter(js: JetStreamClient, names: NatsNames, target: ReportTarget, logger: Logger): JobReporter {
  const { runnerId, executionId, attempt, claim } = target;
  const subject = names.statusSubject(runnerId, executionId);
  const base = { v: 1 as const, executionId, attempt, claim };

  async function publish(event: RunnerEventInput): Promise<void> {
    await js.publish(subject, encode(event));
  }

  async function bestEffort(event: RunnerEventInput): Promise<void> {
    try {
      await publish(event);
    } catch (error) {
      logger.warn({ err: error, type: event.type }, "runner report publish failed");
    }
  }

  return {
    started: (runner) => bestEffort({ ...base, type: "started", at: now(), runner }),
    released: (reason) => bestEffort({ ...base, type: "released", at: now(), reason }),
    step: (index, name, status, conclusion) =>
      bestEffort({ ...base, type: "step", at: now(), index, name, status, ...(conclusion ? { conclusion } : {}) }),
    async completed(result) {
      const event: RunnerEventInput = { ...base, type: "completed", at: now(), ...result };
      for (let attempt = 1; ; attempt++) {
        try {
          await publish(event);
          return;
        } catch (error) {
          // A result not stored means the job runs again: ride out a NATS restart (the lease is
          // still held) rather than give the job back after a few seconds.
          if (attempt >= 10) throw error;
          logger.warn({ err: error, attempt }, "completed report publish failed, retrying");
          await abortableSleep(Math.min(500 * attempt, 3000));
        }
      }
    },
    async publishLog(chunk) {
      await js.publish(names.logsSubject(runnerId, executionId), encode(chunk));
    },
  };
}

function now(): string {
  return new Date().toISOString();
}
