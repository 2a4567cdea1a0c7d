/**
 * Lost webhooks: GitHub never retries a delivery that failed (the bot was down, answered 5xx).
 * On start and every WEBHOOK_RECOVERY_MINUTES the replica holding the lease lists the App's
 * recent deliveries and asks GitHub to redeliver each event (guid) that no attempt delivered
 * and the bot has not stored. A redelivery keeps the guid, so the bot's deduplication by
 * delivery id makes a second copy harmless; a 4xx is the bot refusing the event, not losing it,
 * and is left alone (the same answer would come back).
 */
import type { Logger } from "pino";

/** GitHub's `hook-delivery-item`, the fields read here. */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  event: string;
}

export interface HookDeliveries {
  /** The App's deliveries, newest first, back to `since`. */
  list(since: Date): Promise<HookDelivery[]>;
  redeliver(id: number): Promise<void>;
}

export interface RecoveryDeps {
  deliveries: HookDeliveries;
  /** Which of these delivery guids the bot has stored. */
  stored(guids: string[]): Promise<Set<string>>;
  log: Logger;
  now?: () => number;
}

/** How far back a round looks: GitHub keeps an App's deliveries for a few days. */
const LOOKBACK_MS = 24 * 60 * 60 * 1000;

const delivered = (code: number) => code >= 200 && code < 400;
const lost = (code: number) => code === 0 || code >= 500;

/** One round; answers the delivery ids it asked GitHub to send again. */
async function recoverLostWebhooks(deps: RecoveryDeps): Promise<number[]> {
  const now = deps.now?.() ?? Date.now();
  const attempts = await deps.deliveries.list(new Date(now - LOOKBACK_MS));
  const byGuid = new Map<string, HookDelivery[]>();
  for (const attempt of attempts) byGuid.set(attempt.guid, [...(byGuid.get(attempt.guid) ?? []), attempt]);
  const latestLost = new Map<string, HookDelivery>();
  for (const [guid, tries] of byGuid) {
    if (tries.some((t) => delivered(t.status_code))) continue;
    // GitHub numbers attempts in the order it makes them.
    const latest = tries.reduce((a, b) => (b.id > a.id ? b : a));
    if (lost(latest.status_code)) latestLost.set(guid, latest);
  }
  const stored = await deps.stored([...latestLost.keys()]);
  const asked: number[] = [];
  for (const [guid, attempt] of latestLost) {
    if (stored.has(guid)) continue;
    try {
      await deps.deliveries.redeliver(attempt.id);
      asked.push(attempt.id);
      deps.log.info({ delivery: guid, event: attempt.event, attempt: attempt.id }, "lost webhook redelivery asked");
    } catch (error) {
      deps.log.warn({ err: error, delivery: guid }, "could not ask GitHub to redeliver a lost webhook");
    }
  }
  return asked;
}

export interface WebhookRecovery {
  stop(): Promise<void>;
}

/** Runs a round now and every `intervalMs`, on the replica that holds `lease`. */
export function startWebhookRecovery(
  deps: RecoveryDeps & { intervalMs: number; lease: { hold(): Promise<boolean>; release(): Promise<void> } },
): WebhookRecovery {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const tick = () => {
    round = (async () => {
      if (!(await deps.lease.hold())) return;
      await recoverLostWebhooks(deps);
    })()
      .catch((error: unknown) => deps.log.warn({ err: error }, "lost webhook round failed; trying next interval"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, deps.intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
      clearTimeout(timer);
      await deps.lease.release();
    },
  };
}
