/**
 * Probot's Octokit with our own request limiter in place of its throttling and retry plugins,
 * which put every request through Bottleneck's timers (~10 ms a call) even with the budget
 * full. Here a request is sent at once while its installation's budget is ample
 * (request-budget.ts); when it runs short, the budget is spent by priority — a request says
 * its own with `request: { priority }` (github-forge.ts: conclusions `final`, creates
 * `create`, `in_progress` updates `progress`), anything else is `normal`.
 *
 * What a request survives before its caller sees an error:
 * - a 5xx answer (or no answer): sent again up to 3 times (`request.retries` says otherwise),
 *   after 1, 4 and 9 seconds — a check run create opts out and looks first, see check-run-create.ts;
 * - a 403/429 that GitHub marks as a rate limit: a secondary limit (its message, or a 429)
 *   pauses the installation's requests for `retry-after` seconds (60 without it), a primary one
 *   (`x-ratelimit-remaining: 0`) until `x-ratelimit-reset`; then it is sent again, up to
 *   RATE_LIMIT_RETRIES times. An intermediate (`progress`) request is dropped instead.
 * A dropped `progress` request rejects with WriteDropped.
 */
import type { Logger } from "pino";
import { ProbotOctokit } from "probot";
import type { ObserveApiCall } from "../../ops/metrics.ts";
import { type RequestBudget, type RequestPriority, requestBudget } from "./request-budget.ts";

const RATE_LIMIT_RETRIES = 3;
const SERVER_RETRIES = 3;
/** GitHub: without `retry-after`, wait at least a minute after a secondary rate limit. */
const SECONDARY_FALLBACK_MS = 60_000;
/** Answers that sending again cannot change (Octokit's retry plugin's list). */
const DO_NOT_RETRY = new Set([400, 401, 403, 404, 410, 422, 451]);

export interface WriteLimits {
  concurrency: number;
  minIntervalMs: number;
}

interface RequestOptions {
  method: string;
  url: string;
  request?: { priority?: RequestPriority; retries?: number };
}

interface RequestFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

type Send = (options: RequestOptions) => Promise<{ headers: Record<string, string | number | undefined> }>;

interface OctokitLike {
  hook: { wrap(name: "request", wrapper: (send: Send, options: RequestOptions) => Promise<unknown>): void };
}

export function limitedOctokit(limits: WriteLimits, log: Logger, observe?: ObserveApiCall): typeof ProbotOctokit {
  // One budget per installation (and one for the app's own JWT calls): Probot makes a new
  // Octokit for every `auth(installationId)`, the budget must outlive them.
  const budgets = new Map<string, RequestBudget>();
  const budgetOf = (key: string) => {
    let budget = budgets.get(key);
    if (!budget) {
      budget = requestBudget({ writeConcurrency: limits.concurrency, writeMinIntervalMs: limits.minIntervalMs });
      budgets.set(key, budget);
    }
    return budget;
  };
  const limiter = (octokit: OctokitLike, options: { auth?: { installationId?: number | string } }) => {
    const installation = options.auth?.installationId;
    const own = budgetOf(installation === undefined ? "app" : `installation:${installation}`);
    const app = budgetOf("app");
    // `/app/…` is called with the app's JWT, on the app's budget — among them the token an
    // installation's client mints from inside its own request (it must not wait on itself).
    octokit.hook.wrap("request", (send, request) =>
      sendWithin(request.url.startsWith("/app") ? app : own, send, request, log),
    );
  };
  const limited = ProbotOctokit.plugin(limiter as never).defaults(
    (options: { throttle?: Record<string, unknown>; retry?: Record<string, unknown> }) => ({
      ...options,
      throttle: { ...options.throttle, enabled: false },
      retry: { ...options.retry, enabled: false },
    }),
  ) as typeof ProbotOctokit;
  return observe ? limited.plugin(observedRequests(observe)) : limited;
}

async function sendWithin(budget: RequestBudget, send: Send, options: RequestOptions, log: Logger) {
  const priority = options.request?.priority ?? "normal";
  const write = options.method !== "GET" && options.method !== "HEAD";
  const serverRetries = options.request?.retries ?? SERVER_RETRIES;
  let limited = 0;
  let failed = 0;
  for (;;) {
    const grant = await budget.acquire(priority, write);
    let failure: RequestFailure;
    try {
      const response = await send(options);
      budget.settle(grant, response.headers);
      return response;
    } catch (error) {
      failure = error as RequestFailure;
      budget.settle(grant, failure.response?.headers);
    }
    const limit = rateLimitOf(failure);
    if (limit) {
      if (limit.pauseMs !== undefined) budget.pause(limit.pauseMs);
      const retry = priority !== "progress" && limited < RATE_LIMIT_RETRIES;
      log.warn(
        { kind: limit.kind, method: options.method, url: options.url, retryCount: limited, retry },
        "github rate limit hit",
      );
      if (!retry) throw failure;
      limited++;
      continue;
    }
    if (failed >= serverRetries || !mayRetry(failure)) throw failure;
    failed++;
    await new Promise((resolve) => setTimeout(resolve, failed ** 2 * 1000));
  }
}

/** A 403/429 GitHub gives for a rate limit: secondary (pause the installation) or primary (the headers say until when). */
function rateLimitOf(failure: RequestFailure): { kind: "secondary" | "primary"; pauseMs?: number } | undefined {
  if (failure.status !== 403 && failure.status !== 429) return undefined;
  const headers = failure.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  const pauseMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
  if (/\bsecondary rate\b/i.test(failure.message ?? "") || (failure.status === 429 && pauseMs !== undefined))
    return { kind: "secondary", pauseMs: pauseMs ?? SECONDARY_FALLBACK_MS };
  if (String(headers["x-ratelimit-remaining"]) === "0") return { kind: "primary", ...(pauseMs ? { pauseMs } : {}) };
  if (failure.status === 429) return { kind: "secondary", pauseMs: SECONDARY_FALLBACK_MS };
  return undefined;
}

/** A server error, or no answer at all (Octokit reports that as 500). */
function mayRetry(failure: RequestFailure): boolean {
  return failure.status === undefined || (failure.status >= 400 && !DO_NOT_RETRY.has(failure.status));
}

/**
 * Every request's answer told to `observe`, by route template (`/repos/{owner}/{repo}/…`: the
 * URL before Octokit fills it in) and status, with the rate-limit budget GitHub says is left.
 */
function observedRequests(observe: ObserveApiCall) {
  return (octokit: Pick<InstanceType<typeof ProbotOctokit>, "hook">) => {
    const record = (options: { method: string; url: string }, status: number | undefined, headers?: object) => {
      const remaining = (headers as Record<string, unknown> | undefined)?.["x-ratelimit-remaining"];
      observe({
        method: options.method,
        route: options.url.split("?")[0]!,
        status: status ?? "error",
        ...(remaining !== undefined ? { rateLimitRemaining: Number(remaining) } : {}),
      });
    };
    octokit.hook.wrap("request", async (request, options) => {
      try {
        const answer = await request(options);
        record(options, answer.status, answer.headers);
        return answer;
      } catch (error) {
        const failed = error as { status?: number; response?: { headers?: object } };
        record(options, failed.status, failed.response?.headers);
        throw error;
      }
    });
  };
}
