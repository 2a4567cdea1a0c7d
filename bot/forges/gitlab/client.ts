/**
 * The bot's GitLab API client: @gitbeaker/rest with a request handler of our own. Gitbeaker's
 * retries 429 and 502 ten times within a quarter of a second and reads no `Retry-After`; GitLab
 * asks for seconds (its rate limits answer 429 with `Retry-After`, a restarting instance 502 or
 * 503 for a while). Here a 429 waits what GitLab says, 5xx back off, and a request that still
 * fails throws a GitLabApiError carrying the status (a connection refused or reset is retried too), so the caller's bus message is taken again
 * later and nothing is lost. Other answers (404, 400, 403) throw at once.
 */
import { Gitlab } from "@gitbeaker/rest";
import type { ObserveApiCall } from "../../ops/metrics.ts";
import { createRequesterFn, type FormattedResponse, type ResponseBodyTypes } from "@gitbeaker/requester-utils";

export type GitLabClient = InstanceType<typeof Gitlab<false>>;

export class GitLabApiError extends Error {
  override name = "GitLabApiError";
  constructor(
    readonly status: number,
    readonly description: string,
    readonly endpoint: string,
  ) {
    super(`GitLab answered ${status} to ${endpoint}: ${description}`);
  }
}

export interface RetryPolicy {
  /** Tries of one request in all. */
  tries: number;
  /** First back-off after a 5xx (doubled each time) and the longest a Retry-After is waited. */
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { tries: 5, baseDelayMs: 250, maxDelayMs: 10_000 };

const RETRIED = new Set([429, 500, 502, 503, 504]);

export function gitlabClient(options: {
  url: string;
  token: string;
  retry?: RetryPolicy;
  /** Told of every request's final answer (the bot's metrics). */
  observe?: ObserveApiCall;
}): GitLabClient {
  const retry = options.retry ?? DEFAULT_RETRY;
  const observe = options.observe ?? (() => {});
  // Gitbeaker has already made the request (URL, headers, JSON body): pass it on as it is.
  const requesterFn = createRequesterFn(
    async (_resource, request) => request,
    (endpoint, request) => observed(endpoint, (request ?? {}) as SendOptions, retry, observe),
  );
  return new Gitlab({ host: options.url, token: options.token, requesterFn, queryTimeout: 30_000 });
}

interface SendOptions {
  headers?: Record<string, string>;
  method?: string;
  searchParams?: string;
  prefixUrl?: string;
  body?: string | FormData;
  asStream?: boolean;
  signal?: AbortSignal;
}

/** `send`, with its answer (or the error it ends in) told to `observe` by route template. */
async function observed(
  endpoint: string,
  options: SendOptions,
  retry: RetryPolicy,
  observe: ObserveApiCall,
): Promise<FormattedResponse> {
  const call = { method: options.method ?? "GET", route: routeOf(endpoint) };
  try {
    const response = await send(endpoint, options, retry);
    const remaining = response.headers["ratelimit-remaining"];
    observe({
      ...call,
      status: response.status,
      ...(remaining !== undefined ? { rateLimitRemaining: Number(remaining) } : {}),
    });
    return response;
  } catch (error) {
    observe({ ...call, status: error instanceof GitLabApiError ? error.status : "error" });
    throw error;
  }
}

/**
 * `projects/42/statuses/9fceb02…` → `projects/:id/statuses/:id`: ids, SHAs and URL-encoded
 * paths are one label value each, not one per project or commit.
 */
function routeOf(endpoint: string): string {
  return `/${endpoint
    .split("?")[0]!
    .split("/")
    .filter(Boolean)
    .map((part) => (/^\d+$|^[0-9a-f]{7,64}$|%/i.test(part) ? ":id" : part))
    .join("/")}`;
}

async function send(endpoint: string, options: SendOptions, retry: RetryPolicy): Promise<FormattedResponse> {
  const base = options.prefixUrl?.endsWith("/") ? options.prefixUrl : `${options.prefixUrl ?? ""}/`;
  const url = new URL(endpoint, base);
  url.search = options.searchParams ?? "";
  const method = options.method ?? "GET";
  let last: GitLabApiError | undefined;
  for (let attempt = 1; attempt <= retry.tries; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: options.headers,
        body: options.body,
        signal: options.signal ?? AbortSignal.timeout(30_000),
      });
    } catch (error) {
      // GitLab restarting (refused, reset) or too slow: tried again as a 5xx is.
      if (attempt === retry.tries) throw error;
      await sleep(Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
      continue;
    }
    if (response.ok) {
      const headers = Object.fromEntries(response.headers.entries());
      return { body: await bodyOf(response), headers, status: response.status };
    }
    last = new GitLabApiError(response.status, await describe(response), `${method} ${url.pathname}`);
    if (!RETRIED.has(response.status) || attempt === retry.tries) break;
    await sleep(delayMs(response, attempt, retry));
  }
  throw last;
}

function delayMs(response: Response, attempt: number, retry: RetryPolicy): number {
  const after = response.headers.get("retry-after");
  const seconds = after === null ? Number.NaN : Number(after);
  const asked = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after ?? "") - Date.now();
  const backoff = retry.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(retry.maxDelayMs, Math.max(0, Number.isFinite(asked) ? asked : backoff));
}

async function bodyOf(response: Response): Promise<ResponseBodyTypes> {
  if (response.status === 204) return null as unknown as ResponseBodyTypes;
  const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (type === "application/json") return ((await response.json()) as Record<string, unknown>) ?? {};
  if (type.startsWith("text/")) return await response.text();
  return await response.blob();
}

async function describe(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: unknown };
    const said = json.message ?? json.error ?? text;
    return typeof said === "string" ? said : JSON.stringify(said);
  } catch {
    return text.slice(0, 200);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
