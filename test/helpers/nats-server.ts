/**
 * NATS for tests. Most suites share the machine's nats-server and isolate themselves with a
 * unique name prefix; suites that kill or restart NATS start a private server instead.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { freePort } from "./free-port.ts";
import { credentialsOption } from "../../protocol/credentials.ts";

export function sharedNatsUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.NATS_URL ?? "nats://127.0.0.1:4222";
}

/** `t_1a2b3c4d`: letters, digits and `_` only, valid as a stream name and a subject token. */
export function uniquePrefix(label = "t"): string {
  return `${label.replace(/[^a-z0-9_-]/gi, "_")}_${randomBytes(4).toString("hex")}`;
}

export interface NatsServerOptions {
  /** Default true: Flotilla cannot run without JetStream. */
  jetstream?: boolean;
  /** Extra nats-server arguments. */
  args?: string[];
  /** Configuration text (e.g. the trust part `flotilla nats init` writes), passed with `-c`. */
  config?: string;
  /** A `.creds` text the readiness check connects with, for a server that wants credentials. */
  creds?: string;
}

export interface NatsServerHandle {
  url: string;
  port: number;
  /** JetStream store directory; survives `kill` + `restart`, removed by `stop`. */
  storeDir: string;
  /** The current nats-server process (a new one after each `restart`). */
  readonly process: ChildProcess;
  /** SIGTERM, wait for exit (SIGKILL after 5s), remove the store directory. */
  stop(): Promise<void>;
  /** Sends a signal and returns at once, like a crash or an operator would. */
  kill(signal?: NodeJS.Signals): void;
  /** Waits for the current process to exit, then starts a new one on the same port and store. */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const jetstream = opts.jetstream ?? true;
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), "flotilla-nats-"));
  const url = `nats://127.0.0.1:${port}`;
  const args = [
    "-a",
    "127.0.0.1",
    "-p",
    String(port),
    ...(jetstream ? ["-js", "-sd", storeDir] : []),
    ...(opts.args ?? []),
  ];
  if (opts.config) {
    const file = join(storeDir, "nats.conf");
    await writeFile(file, opts.config);
    args.unshift("-c", file);
  }
  const ready = { jetstream, creds: opts.creds };

  let current = await launch(args, url, ready);
  let stopped = false;

  return {
    url,
    port,
    storeDir,
    get process() {
      return current.child;
    },
    kill(signal: NodeJS.Signals = "SIGKILL") {
      current.child.kill(signal);
    },
    async restart() {
      await terminate(current, "SIGTERM");
      current = await launch(args, url, ready);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate(current, "SIGTERM");
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  stderr: () => string;
}

async function launch(args: string[], url: string, ready: { jetstream: boolean; creds?: string }): Promise<Running> {
  const child = spawn("nats-server", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  // nats-server logs to stderr; keep the tail for a useful error if it never gets ready.
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const running = { child, exited, stderr: () => stderr };
  try {
    await waitUntilReady(url, ready, running);
  } catch (error) {
    await terminate(running, "SIGKILL");
    throw error;
  }
  return running;
}

/**
 * Accepting TCP is not enough: after a restart JetStream recovers its streams from disk
 * before it answers API requests, so wait until account info comes back.
 */
async function waitUntilReady(
  url: string,
  { jetstream, creds }: { jetstream: boolean; creds?: string },
  running: Running,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) {
      throw new Error(`nats-server exited with ${running.child.exitCode}: ${running.stderr()}`);
    }
    try {
      const nc = await connect({ servers: url, reconnect: false, timeout: 1000, ...credentialsOption(creds) });
      try {
        if (jetstream) await (await jetstreamManager(nc, { timeout: 1000 })).getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(
    `nats-server at ${url} not ready after ${READY_TIMEOUT_MS}ms: ${String(lastError)}\n${running.stderr()}`,
    { cause: lastError },
  );
}

async function terminate(running: Running, signal: NodeJS.Signals): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
  const timer = setTimeout(() => running.child.kill("SIGKILL"), 5000);
  await running.exited;
  clearTimeout(timer);
}
