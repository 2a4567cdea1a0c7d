/**
 * Everything the fake GitHub records, plus `waitFor`: tests await a state (a completed check
 * run, a status) instead of polling, and a timeout says what was seen instead.
 */
import { EventEmitter } from "node:events";
import type { FaultRecord, FaultRule } from "./faults.ts";
import type { HookDeliveryRecord } from "./hook-deliveries.ts";
import type { PullRequestRecord } from "./pulls.ts";
import type { RateLimitedRecord, RateLimiter } from "./rate-limit.ts";
import type {
  CheckRunRecord,
  CloneRecord,
  CommentRecord,
  InvalidRequestRecord,
  PermissionReadRecord,
  ReactionRecord,
  RepoEntry,
  RequestRecord,
  StatusRecord,
  TokenRecord,
} from "./types.ts";

interface WaitOptions {
  timeoutMs?: number;
}

export interface FakeState {
  repos: Map<string, RepoEntry>;
  checkRuns: CheckRunRecord[];
  statuses: StatusRecord[];
  comments: CommentRecord[];
  reactions: ReactionRecord[];
  /** Every `GET …/collaborators/{username}/permission`, answered or 404. */
  permissionReads: PermissionReadRecord[];
  tokens: TokenRecord[];
  requests: RequestRecord[];
  invalidRequests: InvalidRequestRecord[];
  unexpectedRequests: RequestRecord[];
  clones: CloneRecord[];
  /** Open pull requests by `pullKey(base, number)`: what `GET /pulls/{n}` answers (see pulls.ts). */
  pulls: Map<string, PullRequestRecord>;
  /** Decides per repository write whether it fails, and how (see faults.ts); undefined: none do. */
  faults: FaultRule | undefined;
  injectedFaults: FaultRecord[];
  /** GitHub's primary rate limit made small (see rate-limit.ts); undefined: a budget never spent. */
  rateLimiter: RateLimiter | undefined;
  /** Requests refused because their caller's budget was spent. */
  rateLimited: RateLimitedRecord[];
  /** Every webhook the fake sent (`deliverWebhook`) and redelivered, oldest first. */
  hookDeliveries: HookDeliveryRecord[];
  /** Call after every recorded change; wakes the waiters. */
  changed(): void;
  waitFor<T>(probe: () => T | undefined | null | false, opts?: WaitOptions): Promise<T>;
  waitForCheckRun(
    name: string,
    predicate?: (record: CheckRunRecord) => boolean,
    opts?: WaitOptions,
  ): Promise<CheckRunRecord>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

export function createState(): FakeState {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const state: FakeState = {
    repos: new Map(),
    checkRuns: [],
    statuses: [],
    comments: [],
    reactions: [],
    permissionReads: [],
    tokens: [],
    requests: [],
    invalidRequests: [],
    unexpectedRequests: [],
    clones: [],
    pulls: new Map(),
    faults: undefined,
    injectedFaults: [],
    rateLimiter: undefined,
    rateLimited: [],
    hookDeliveries: [],
    changed: () => events.emit("change"),
    waitFor<T>(probe: () => T | undefined | null | false, opts: WaitOptions = {}): Promise<T> {
      const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      return new Promise<T>((resolve, reject) => {
        const check = (): boolean => {
          const value = probe();
          if (value === undefined || value === null || value === false) return false;
          cleanup();
          resolve(value);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`fake GitHub: condition not met within ${timeoutMs}ms.\n${describeState(state)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          events.off("change", onChange);
        };
        const onChange = () => {
          try {
            check();
          } catch (error) {
            cleanup();
            reject(error);
          }
        };
        events.on("change", onChange);
        onChange();
      });
    },
    waitForCheckRun(name, predicate = () => true, opts) {
      return state.waitFor(() => state.checkRuns.find((record) => record.run.name === name && predicate(record)), opts);
    },
  };
  return state;
}

/** What a timed-out test most wants to know: which check runs, statuses and odd calls it got. */
function describeState(state: FakeState): string {
  const lines = [
    `check runs (${state.checkRuns.length}):`,
    ...state.checkRuns.map(
      (r) =>
        `  #${r.id} ${r.repo} "${r.run.name}" ${r.run.status}/${r.run.conclusion ?? "-"} @${r.run.head_sha.slice(0, 7)}`,
    ),
    `statuses (${state.statuses.length}):`,
    ...state.statuses.map((s) => `  ${s.repo} ${s.status.context}=${s.status.state} @${s.sha.slice(0, 7)}`),
    `comments: ${state.comments.length}, reactions: ${state.reactions.length}, permission reads: ${state.permissionReads.length}, tokens: ${state.tokens.length}, clones: ${state.clones.length}, injected faults: ${state.injectedFaults.length}, rate limited: ${state.rateLimited.length}`,
    `invalid requests (${state.invalidRequests.length}):`,
    ...state.invalidRequests.map((r) => `  ${r.method} ${r.path}: ${r.message.replace(/\n+/g, " ")}`),
    `unexpected requests (${state.unexpectedRequests.length}):`,
    ...state.unexpectedRequests.map((r) => `  ${r.method} ${r.path}`),
    `last requests:`,
    ...state.requests.slice(-10).map((r) => `  ${r.method} ${r.path} → ${r.status}`),
  ];
  return lines.join("\n");
}
