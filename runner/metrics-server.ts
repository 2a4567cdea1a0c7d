/**
 * The runner's one inbound port, and only when asked for (`--metrics-port N`,
 * FLOTILLA_RUNNER_METRICS_PORT): `/metrics` for Prometheus, `/healthz` for a liveness probe.
 * Everything it shows is read from the agent when scraped, into a registry of this runner's
 * own (several runners in one process keep their numbers apart). docs/metrics.md lists them.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { AgentStats } from "./agent.ts";

export interface MetricsSource {
  runner: { name: string; namespace: string; version: string };
  concurrency: number;
  stats(): AgentStats;
  /** False once the NATS connection is closed for good: the runner can do nothing more. */
  connected(): boolean;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(port: number, host: string, source: MetricsSource): Promise<MetricsServer> {
  const registry = runnerRegistry(source);
  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/healthz") {
      const ok = source.connected();
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(ok ? { ok } : { ok, error: "the NATS connection is closed" }));
      return;
    }
    if (req.method === "GET" && path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
  });
  await listen(server, port, host);
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function runnerRegistry(source: MetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { name, namespace, version } = source.runner;
  new Gauge({
    name: "flotilla_runner_info",
    help: "This runner: its name, namespace and version (always 1)",
    labelNames: ["runner", "namespace", "version"] as const,
    registers: [registry],
    collect() {
      this.set({ runner: name, namespace, version }, 1);
    },
  });
  new Gauge({
    name: "flotilla_runner_slots",
    help: "Jobs this runner runs at once (--concurrency)",
    registers: [registry],
    collect() {
      this.set(source.concurrency);
    },
  });
  new Gauge({
    name: "flotilla_runner_jobs_running",
    help: "Jobs running on this runner now",
    registers: [registry],
    collect() {
      this.set(source.stats().running);
    },
  });
  new Counter({
    name: "flotilla_runner_jobs_completed_total",
    help: "Job attempts this runner ran to a reported end, by conclusion",
    labelNames: ["conclusion"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [conclusion, n] of Object.entries(source.stats().completed)) this.inc({ conclusion }, n);
    },
  });
  new Counter({
    name: "flotilla_runner_jobs_handed_back_total",
    help: "Job attempts handed back to the queue unreported (runner stopping, a report that failed)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.stats().handedBack);
    },
  });
  new Counter({
    name: "flotilla_runner_jobs_rejected_total",
    help: "Job messages that did not decode and were taken out of the queue",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.stats().rejected);
    },
  });
  return registry;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`metrics port ${port} is in use: pass another --metrics-port`, { cause: error })
          : error,
      ),
    );
    server.listen(port, host, () => resolve());
  });
}
