/**
 * The private nats-server `npm start` runs when NATS_URL is unset: JetStream on, data in the
 * data directory, listening on loopback and a free port — or where NATS_LISTEN says, for runners
 * on other machines (a fixed port, so their registered URL holds across restarts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { credentialsOption } from "../protocol/credentials.ts";

class NatsServerMissing extends Error {
  override name = "NatsServerMissing";
  constructor() {
    super(
      [
        "Flotilla needs NATS with JetStream, and `nats-server` is not on your PATH.",
        "Either install it:",
        "  Debian/Ubuntu:  sudo apt-get install nats-server",
        "  macOS (Homebrew): brew install nats-server",
        "  or download a release from the NATS project and put `nats-server` on PATH,",
        "or point Flotilla at a running server:  NATS_URL=nats://host:4222 npm start",
      ].join("\n"),
    );
  }
}

export interface EmbeddedNats {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedNatsOptions {
  binary?: string;
  /**
   * Server configuration to add (the trust part `flotilla nats init` writes): the server
   * then wants credentials, and `creds` is what the readiness check connects with.
   */
  auth?: { config: string; creds: string };
  /** HOST:PORT to listen on (default 127.0.0.1 and a free port). */
  listen?: string;
}

export async function startEmbeddedNats(dataDir: string, options: EmbeddedNatsOptions = {}): Promise<EmbeddedNats> {
  const storeDir = join(dataDir, "nats");
  mkdirSync(storeDir, { recursive: true });
  const split = options.listen?.lastIndexOf(":") ?? -1;
  const host = options.listen && split > 0 ? options.listen.slice(0, split).replace(/^\[(.*)\]$/, "$1") : "127.0.0.1";
  const port = options.listen && split > 0 ? Number(options.listen.slice(split + 1)) : await freePort();
  const args = ["-a", host, "-p", String(port), "-js", "-sd", storeDir];
  if (options.auth) {
    // nats-server 2.9 resolves `include` relative to the including file only: write it whole.
    const configFile = join(storeDir, "flotilla-nats.conf");
    writeFileSync(configFile, options.auth.config, { mode: 0o600 });
    args.unshift("-c", configFile);
  }
  // Its own process group: Ctrl-C must reach Flotilla first, which stops nats-server last,
  // after the runner and bot have drained.
  const child = spawn(options.binary ?? "nats-server", args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new NatsServerMissing() : error),
    );
    child.once("exit", (code) => reject(new Error(`nats-server exited with code ${code}: ${stderr.trim()}`)));
  });
  // The bot and the local runner dial it on this machine, whatever address it listens on.
  const local = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `nats://${local}:${port}`;
  await Promise.race([waitUntilReady(url, options.auth?.creds), exited]);
  exited.catch(() => {});
  return {
    url,
    stop: async () => {
      process.off("exit", killOnExit);
      await stopChild(child);
    },
  };
}

async function waitUntilReady(url: string, creds?: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      const nc = await connect({ servers: url, reconnect: false, ...credentialsOption(creds) });
      await nc.close();
      return;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
