/**
 * What the runner suites share: a stand-in bot on the real NATS server (streams, labelset
 * consumers, job publishes) under a unique prefix, a collector of what runners report, and
 * runners started with test-sized timings.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, type JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { labelsetToken } from "../../protocol/labels.ts";
import { decode, encode, JobMessage, LogChunk, RunnerEvent, type JobMessageInput } from "../../protocol/messages.ts";
import { natsNames, type NatsNames } from "../../protocol/names.ts";
import { ensureJobConsumer, ensureStreams, openLabelsets } from "../../protocol/setup.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import { readRunnerConfig, type RunnerConfig, type RunnerConfigInput } from "../../runner/config.ts";
import { startRunner, type RunningRunner } from "../../runner/main.ts";
import { sharedNatsUrl, uniquePrefix } from "../helpers/nats-server.ts";
import { deleteStreamsOf } from "../helpers/nats-cleanup.ts";

export const NATS_URL = sharedNatsUrl();
export const logger = pino({ level: process.env.LOG_LEVEL ?? "silent" });

export function randomId(label = "x"): string {
  return `${label}${randomBytes(5).toString("hex")}`;
}

/** Plays the bot's part: streams, labelset consumers, publishing jobs. */
export interface Bus {
  nc: NatsConnection;
  names: NatsNames;
  jsm: JetStreamManager;
  labelsets: KV;
  reports: ReportCollector;
  /** Every runner's work dir in this suite. */
  workDir: string;
  addLabelset(namespace: string, labels: readonly string[], lease?: LeaseSettings): Promise<string>;
  publishJob(job: JobMessageInput): Promise<void>;
  publishRaw(labels: readonly string[], data: Uint8Array, namespace?: string): Promise<void>;
  startRunner(overrides?: Partial<RunnerConfigInput>): Promise<RunningRunner>;
  /** Stops every runner this bus started (call in afterEach: a failed test must not leave one taking the next test's jobs). */
  stopRunners(): Promise<void>;
  runnerConfig(overrides?: Partial<RunnerConfigInput>): RunnerConfig;
  close(): Promise<void>;
}

export async function openBus(prefix = uniquePrefix("rt"), url = NATS_URL): Promise<Bus> {
  const nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const names = natsNames(prefix);
  const jsm = await ensureStreams(nc, names);
  const labelsets = await openLabelsets(nc, names);
  const reports = await collectReports(nc, names);
  const js = jetstream(nc);
  const workDir = await mkdtemp(join(tmpdir(), "flotilla-runner-test-"));
  const runners: RunningRunner[] = [];

  function runnerConfig(overrides: Partial<RunnerConfigInput> = {}): RunnerConfig {
    return readRunnerConfig(
      {},
      {
        natsUrl: url,
        natsPrefix: prefix,
        name: randomId("runner-"),
        workDir,
        leaseExtendMs: 1_000,
        cancelGraceMs: 1_000,
        ...overrides,
      },
    );
  }

  return {
    nc,
    names,
    jsm,
    labelsets,
    reports,
    workDir,
    async addLabelset(namespace, labels, lease) {
      return (await ensureJobConsumer(jsm, labelsets, names, namespace, labels, lease)).consumer;
    },
    async publishJob(job) {
      // As the bot does: one message per namespace, into that namespace's stream.
      for (const [namespace, id] of Object.entries(job.executions)) {
        await js.publish(
          names.jobsSubject(namespace, labelsetToken(job.labels)),
          encode(JobMessage.parse({ ...job, executions: { [namespace]: id } })),
        );
      }
    },
    async publishRaw(labels, data, namespace = "default") {
      await js.publish(names.jobsSubject(namespace, labelsetToken(labels)), data);
    },
    runnerConfig,
    async startRunner(overrides) {
      const runner = await startRunner(runnerConfig(overrides), { logger });
      runners.push(runner);
      return runner;
    },
    async stopRunners() {
      await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    },
    async close() {
      await Promise.all(runners.splice(0).map((runner) => runner.stop()));
      reports.stop();
      await nc.close();
      await deleteStreamsOf(url, prefix);
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

export interface JobBuild {
  labels?: string[];
  executions: Record<string, string>;
  steps: JobMessageInput["steps"];
  cloneUrl: string;
  sha: string;
  token?: string;
  timeoutMinutes?: number;
  env?: Record<string, string>;
}

export function buildJob(build: JobBuild): JobMessageInput {
  return {
    v: 1,
    runId: randomId("run-"),
    jobKey: "build",
    name: "build",
    executions: build.executions,
    labels: build.labels ?? ["self-hosted"],
    workflow: { name: "CI", path: ".github/workflows/ci.yml" },
    repository: { fullName: "octo/widgets" },
    checkout: { cloneUrl: build.cloneUrl, sha: build.sha, ...(build.token ? { token: build.token } : {}) },
    sha: build.sha,
    ref: "refs/heads/main",
    eventName: "push",
    actor: "octocat",
    env: build.env ?? {},
    steps: build.steps,
    ...(build.timeoutMinutes ? { timeoutMinutes: build.timeoutMinutes } : {}),
  };
}

/** Everything on the runner stream, read through our own (ordered) consumer. */
interface ReportCollector {
  events(executionId: string): RunnerEvent[];
  chunks(executionId: string): LogChunk[];
  /** The log as the viewer would assemble it: chunks by seq. */
  log(executionId: string): string;
  completed(executionId: string, timeoutMs?: number): Promise<Extract<RunnerEvent, { type: "completed" }>>;
  waitFor(predicate: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  stop(): void;
}

async function collectReports(nc: NatsConnection, names: NatsNames): Promise<ReportCollector> {
  const consumer = await jetstream(nc).consumers.get(names.runnerStream);
  const messages = await consumer.consume();
  const events: RunnerEvent[] = [];
  const chunks: LogChunk[] = [];
  void (async () => {
    for await (const msg of messages) {
      if (msg.subject.startsWith(`${names.prefix}.status.`)) events.push(decode(RunnerEvent, msg.data, "runner event"));
      else chunks.push(decode(LogChunk, msg.data, "log chunk"));
    }
  })();

  async function waitFor(predicate: () => boolean, timeoutMs = 20_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const forExecution = (id: string) => events.filter((event) => event.executionId === id);
  const chunksOf = (id: string) =>
    chunks.filter((chunk) => chunk.executionId === id).sort((a, b) => a.attempt - b.attempt || a.seq - b.seq);

  return {
    events: forExecution,
    chunks: chunksOf,
    log: (id) =>
      chunksOf(id)
        .map((chunk) => chunk.data)
        .join(""),
    async completed(id, timeoutMs) {
      await waitFor(
        () => forExecution(id).some((event) => event.type === "completed"),
        timeoutMs,
        `completed of ${id}`,
      );
      const completed = forExecution(id).find((event) => event.type === "completed");
      if (completed?.type !== "completed") throw new Error("unreachable");
      return completed;
    },
    waitFor,
    stop: () => messages.stop(),
  };
}
