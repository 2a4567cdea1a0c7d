/**
 * One installation's GitHub request budget, as GitHub's answers state it: `x-ratelimit-limit`,
 * `-remaining` and `-reset` of the `core` resource, a secondary limit's `retry-after`, and the
 * writes in flight. A request asks for a grant before it is sent and settles it with the
 * answer's headers.
 *
 * While the budget is ample a grant is given at once, synchronously: no timer, no queue. When
 * it runs short, what is left is spent by priority — `final` (a check run's conclusion, a
 * run's final status) may spend it to the last request, `create` stops a twentieth of the
 * limit before that, `normal` a tenth before, and `progress` (an intermediate update, e.g. a
 * check run going `in_progress`) is dropped below a quarter: the final write that follows
 * carries the whole state anyway. A request that may not go waits for the answer of one in
 * flight, the window's `x-ratelimit-reset` or the end of a secondary limit's pause, and is then
 * granted in priority order. Requests in flight count against what is left, so the budget is
 * never overspent: nothing is sent that GitHub would refuse before its reset.
 *
 * Until the first answer says what the budget is, one request goes at a time; an answer
 * without rate-limit headers (GitHub Enterprise Server with rate limits off) means none.
 */

export type RequestPriority = "final" | "create" | "normal" | "progress";

const ORDER: readonly RequestPriority[] = ["final", "create", "normal", "progress"];

/** Share of the limit each priority leaves unspent for the ones above it. */
const RESERVE: Record<RequestPriority, number> = { final: 0, create: 0.05, normal: 0.1, progress: 0.25 };

/** How long after `x-ratelimit-reset` a new window is assumed (GitHub's clock and ours differ a little). */
const RESET_MARGIN_MS = 500;

/** An intermediate request not sent because the budget is short; the caller goes on without it. */
export class WriteDropped extends Error {
  override name = "WriteDropped";
  readonly code = "budget_short";
}

export interface BudgetSettings {
  /** Writes (anything but GET/HEAD) in flight at once. */
  writeConcurrency: number;
  /** Least time between two writes; 0: none (and no timer). */
  writeMinIntervalMs: number;
  now?: () => number;
}

export interface Grant {
  write: boolean;
}

type Headers = Record<string, string | number | undefined>;

interface Waiter {
  write: boolean;
  resolve(grant: Grant): void;
  reject(error: Error): void;
}

interface BudgetState {
  known: boolean;
  limit: number;
  remaining: number;
  inFlight: number;
  resetAtMs: number | undefined;
  pausedUntilMs: number;
}

export interface RequestBudget {
  /** A grant, at once while the budget is ample; a `progress` request is refused with WriteDropped when it is short. */
  acquire(priority: RequestPriority, write: boolean): Grant | Promise<Grant>;
  /** The grant's request was answered (headers of the answer, or none when there was no answer). */
  settle(grant: Grant, headers: Headers | undefined): void;
  /** A secondary rate limit: nothing is sent for `ms`. */
  pause(ms: number): void;
  state(): BudgetState;
}

export function requestBudget(settings: BudgetSettings): RequestBudget {
  const now = settings.now ?? Date.now;
  let known = false;
  let unlimited = false;
  let limit = 0;
  let remaining = 0;
  let resetAtMs: number | undefined;
  /** Windows whose reset is at or before this are over: a late answer from one says nothing. */
  let retiredMs = 0;
  let inFlight = 0;
  let writesInFlight = 0;
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let pausedUntilMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  const waiting: Record<RequestPriority, Waiter[]> = { final: [], create: [], normal: [], progress: [] };

  /** A window whose reset has passed is over: its whole limit is there again. */
  function refreshWindow(at: number): void {
    if (resetAtMs !== undefined && at >= resetAtMs + RESET_MARGIN_MS) {
      retiredMs = resetAtMs;
      resetAtMs = undefined;
      remaining = limit;
    }
  }

  function spare(): number {
    return unlimited ? Number.POSITIVE_INFINITY : remaining - inFlight;
  }

  function budgetShort(priority: RequestPriority): boolean {
    return spare() <= Math.ceil(limit * RESERVE[priority]) || spare() <= 0;
  }

  /** Why a request of `priority` may not go now: "budget", "time" (a pause, the write spacing), "slot" or "probe"; undefined: it may. */
  function blocked(
    priority: RequestPriority,
    write: boolean,
    at: number,
  ): "budget" | "time" | "slot" | "probe" | undefined {
    if (at < pausedUntilMs) return "time";
    refreshWindow(at);
    if (!known) return inFlight === 0 ? undefined : "probe";
    if (budgetShort(priority)) return "budget";
    if (write && writesInFlight >= settings.writeConcurrency) return "slot";
    if (write && at - lastWriteAt < settings.writeMinIntervalMs) return "time";
    return undefined;
  }

  function take(write: boolean, at: number): Grant {
    inFlight++;
    if (write) {
      writesInFlight++;
      lastWriteAt = at;
    }
    return { write };
  }

  /** A `progress` request is dropped, not kept waiting, when the budget is what stops it. */
  function dropsNow(priority: RequestPriority, at: number): boolean {
    if (priority !== "progress" || !known) return false;
    if (at < pausedUntilMs) return true;
    refreshWindow(at);
    return budgetShort("progress");
  }

  function drain(): void {
    const at = now();
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const priority of ORDER) {
      const queue = waiting[priority];
      while (queue.length > 0) {
        const head = queue[0]!;
        if (dropsNow(priority, at)) {
          queue.shift();
          head.reject(new WriteDropped("GitHub's request budget is short: intermediate update not sent"));
          continue;
        }
        const reason = blocked(priority, head.write, at);
        if (reason) {
          wakeAt = Math.min(wakeAt, wakeTime(reason));
          break;
        }
        queue.shift();
        head.resolve(take(head.write, at));
      }
    }
    armTimer(wakeAt, at);
  }

  /** When time alone lets a request stopped for `reason` go; an answer in flight wakes the others. */
  function wakeTime(reason: "budget" | "time" | "slot" | "probe"): number {
    if (reason === "time") return Math.max(pausedUntilMs, lastWriteAt + settings.writeMinIntervalMs);
    if (reason === "budget" && resetAtMs !== undefined) return resetAtMs + RESET_MARGIN_MS;
    return Number.POSITIVE_INFINITY;
  }

  function armTimer(wakeAt: number, at: number): void {
    if (wakeAt === timerAt) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerAt = wakeAt;
    if (wakeAt === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Number.POSITIVE_INFINITY;
        drain();
      },
      Math.max(0, wakeAt - at),
    );
  }

  function observe(headers: Headers): void {
    const resource = headers["x-ratelimit-resource"];
    if (resource !== undefined && resource !== "core") return;
    const limitHeader = headers["x-ratelimit-limit"];
    const remainingHeader = headers["x-ratelimit-remaining"];
    const resetHeader = headers["x-ratelimit-reset"];
    if (limitHeader === undefined || remainingHeader === undefined || resetHeader === undefined) {
      if (!known) {
        known = true;
        unlimited = true;
      }
      return;
    }
    const reset = Number(resetHeader) * 1000;
    if (!Number.isFinite(reset) || reset <= retiredMs) return;
    known = true;
    unlimited = false;
    limit = Number(limitHeader);
    // Answers of one window only ever say less is left (they may arrive out of order); another
    // reset is another window, whatever it says.
    if (reset === resetAtMs) remaining = Math.min(remaining, Number(remainingHeader));
    else {
      resetAtMs = reset;
      remaining = Number(remainingHeader);
    }
  }

  return {
    acquire(priority, write) {
      const at = now();
      if (dropsNow(priority, at))
        throw new WriteDropped("GitHub's request budget is short: intermediate update not sent");
      const ahead = ORDER.slice(0, ORDER.indexOf(priority) + 1).some((p) => waiting[p].length > 0);
      if (!ahead && !blocked(priority, write, at)) return take(write, at);
      return new Promise<Grant>((resolve, reject) => {
        waiting[priority].push({ write, resolve, reject });
        drain();
      });
    },
    settle(grant, headers) {
      inFlight--;
      if (grant.write) writesInFlight--;
      if (headers) observe(headers);
      drain();
    },
    pause(ms) {
      pausedUntilMs = Math.max(pausedUntilMs, now() + ms);
      drain();
    },
    state: () => ({ known, limit, remaining, inFlight, resetAtMs, pausedUntilMs }),
  };
}
