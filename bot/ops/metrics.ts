/**
 * The bot's Prometheus metrics: one registry per bot (never prom-client's global one, so
 * several bots in one process — tests, `flotilla dev` — keep their counts apart). What is
 * counted as it happens lives here; what is read when Prometheus scrapes (jobs queued in
 * JetStream, runners, bytes in the object stores) is added by `scrape-gauges.ts`.
 * docs/metrics.md lists every name and label.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { normalizeLabels } from "../../protocol/labels.ts";

/** One call to a forge's REST API, as its client saw the answer ("error": no answer at all). */
interface ApiCall {
  method: string;
  /** The route template (`/repos/{owner}/{repo}/check-runs`), never the filled-in path. */
  route: string;
  status: number | "error";
  /** What the forge said is left of the rate-limit budget, when it said so. */
  rateLimitRemaining?: number;
}

export type ObserveApiCall = (call: ApiCall) => void;

/** Seconds, from a second to six hours: jobs wait and run for that long. */
const JOB_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21_600];

export function createBotMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const jobLabels = ["namespace", "labelset", "conclusion"] as const;
  const metrics = {
    registry,
    webhooks: new Counter({
      name: "flotilla_webhooks_received_total",
      help: "Webhook deliveries received, by forge, event and the HTTP status answered",
      labelNames: ["forge", "event", "answer"] as const,
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: "flotilla_job_queue_wait_seconds",
      help: "From a job's publish to its start on a runner, observed when it completes",
      labelNames: jobLabels,
      buckets: JOB_BUCKETS,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: "flotilla_job_duration_seconds",
      help: "From a job's start on a runner to its completion",
      labelNames: jobLabels,
      buckets: JOB_BUCKETS,
      registers: [registry],
    }),
    lostAttempts: new Counter({
      name: "flotilla_job_attempts_lost_total",
      help: "Job attempts whose runner vanished (the lease lapsed, or the deliveries ran out)",
      labelNames: ["namespace"] as const,
      registers: [registry],
    }),
    logBytes: new Counter({
      name: "flotilla_log_bytes_stored_total",
      help: "Bytes of job log stored in Postgres",
      registers: [registry],
    }),
    apiCalls: new Counter({
      name: "flotilla_forge_api_requests_total",
      help: "Requests to a forge's REST API, by forge, method, route template and HTTP status",
      labelNames: ["forge", "method", "route", "status"] as const,
      registers: [registry],
    }),
    rateLimit: new Gauge({
      name: "flotilla_forge_rate_limit_remaining",
      help: "Requests left in the forge's rate-limit budget, as its last answer said",
      labelNames: ["forge"] as const,
      registers: [registry],
    }),
  };
  return metrics;
}

export type BotMetrics = ReturnType<typeof createBotMetrics>;

/** How a forge client reports its calls into `metrics`. */
export function apiCallObserver(metrics: BotMetrics, forge: "github" | "gitlab"): ObserveApiCall {
  return (call) => {
    metrics.apiCalls.inc({ forge, method: call.method, route: call.route, status: String(call.status) });
    if (call.rateLimitRemaining !== undefined && Number.isFinite(call.rateLimitRemaining))
      metrics.rateLimit.set({ forge }, call.rateLimitRemaining);
  };
}

/** A finished job's wait and run time, from its row's times. */
export function observeJobTimes(
  metrics: BotMetrics | undefined,
  job: { namespace: string; labels: string[]; publishedAt: Date | null; startedAt: Date | null },
  conclusion: string,
  completedAt: Date,
): void {
  if (!metrics || !job.startedAt) return;
  const labels = { namespace: job.namespace, labelset: labelsetLabel(job.labels), conclusion };
  if (job.publishedAt)
    metrics.queueWait.observe(labels, Math.max(0, (job.startedAt.getTime() - job.publishedAt.getTime()) / 1000));
  metrics.jobDuration.observe(labels, Math.max(0, (completedAt.getTime() - job.startedAt.getTime()) / 1000));
}

/** A labelset as one label value: its labels sorted, comma-separated (`linux,self-hosted,x64`). */
export function labelsetLabel(labels: readonly string[]): string {
  return normalizeLabels(labels).join(",");
}
