/**
 * Every bot's cron timer. It holds the schedules Postgres has (read at start, and again each
 * time a bot announces a change on the schedules bucket's `changed` key, which every timer
 * watches), sleeps until the earliest next slot of any of them — one setTimeout, no polling —
 * and on waking fires each slot that has come due: the bot that claims the slot (slot-claim.ts)
 * publishes its `schedule` event, the others let it be.
 *
 * Slots that passed while no bot was up are not fired afterwards, as GitHub does not catch up
 * either: a timer starts from the time it started, and a schedule from when the timer learnt of it.
 */
import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import type { PublishEvent } from "../ingest/publish-event.ts";
import type { Clock } from "./clock.ts";
import { type Cron, nextFireIn, parseCron } from "./cron.ts";
import { scheduleEvent } from "./schedule-event.ts";
import { CHANGED_KEY, claimSlot, scheduleKey } from "./slot-claim.ts";
import { listSchedules, type ScheduleRow } from "./store.ts";

export interface ScheduleTimerDeps {
  db: Db;
  kv: KV;
  publish: PublishEvent;
  clock: Clock;
  botId: string;
  log: Logger;
}

interface Armed {
  row: ScheduleRow;
  key: string;
  cron: Cron;
  /** Slots after this are this bot's to fire: when it last woke, or when it learnt of the schedule. */
  since: Date;
}

/** setTimeout's longest delay; a later slot is reached by waking and sleeping again. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export async function startScheduleTimer(deps: ScheduleTimerDeps): Promise<{ stop(): Promise<void> }> {
  let armed: Armed[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let waking = Promise.resolve();

  const next = (entry: Armed, after: Date) => nextFireIn(entry.cron, after, entry.row.timezone || undefined);

  const load = async () => {
    const known = new Map(armed.map((entry) => [entry.key, entry.since]));
    const now = deps.clock.now();
    armed = (await listSchedules(deps.db)).flatMap((row) => {
      try {
        const key = scheduleKey(row);
        // A schedule just learnt of starts now: the slots before it were not its to fire.
        const entry = { row, key, cron: parseCron(row.cron), since: known.get(key) ?? now };
        next(entry, entry.since); // throws for a cron that never fires (`0 0 30 2 *`)
        return [entry];
      } catch (error) {
        deps.log.warn({ err: error, repository: row.repositoryName, workflow: row.workflowPath }, "cron not read");
        return [];
      }
    });
  };

  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (stopped || armed.length === 0) return;
    const earliest = Math.min(...armed.map((entry) => next(entry, entry.since).getTime()));
    const delay = Math.min(Math.max(deps.clock.msUntil(new Date(earliest)), 0), MAX_DELAY_MS);
    timer = setTimeout(() => {
      waking = waking.then(wake).catch((error) => {
        deps.log.error({ err: error }, "schedule timer failed");
        arm();
      });
    }, delay);
  };

  const wake = async () => {
    const now = deps.clock.now();
    const due = armed.flatMap((entry) => {
      const slot = latestSlot(entry, entry.since, now);
      entry.since = now;
      return slot ? [{ entry, slot }] : [];
    });
    await Promise.all(due.map(({ entry, slot }) => fire(entry, slot, now)));
    arm();
  };

  /** The last slot in (after, now], if any: a timer woken late fires a slot once, not every one it slept through. */
  const latestSlot = (entry: Armed, after: Date, now: Date): Date | undefined => {
    let slot: Date | undefined;
    for (let at = next(entry, after); at <= now; at = next(entry, at)) slot = at;
    return slot;
  };

  const fire = async (entry: Armed, slot: Date, now: Date) => {
    const log = deps.log.child({ repository: entry.row.repositoryName, workflow: entry.row.workflowPath });
    try {
      if (!(await claimSlot(deps.kv, entry.key, slot, deps.botId))) return;
      await deps.publish(scheduleEvent(entry.row, entry.key, slot, now));
      log.info({ cron: entry.row.cron, slot: slot.toISOString() }, "schedule fired");
    } catch (error) {
      log.error({ err: error, cron: entry.row.cron, slot: slot.toISOString() }, "schedule not fired");
    }
  };

  // Watching before the first read: a change announced in between is read again, not missed.
  const watch = await deps.kv.watch({ key: CHANGED_KEY, include: "updates" });
  await load();
  arm();
  const watching = (async () => {
    for await (const entry of watch) {
      if (entry.operation !== "PUT") continue;
      waking = waking
        .then(load)
        .catch((error) => deps.log.error({ err: error }, "schedules not read"))
        .then(arm);
    }
  })();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      watch.stop();
      await watching.catch(() => {});
      await waking.catch(() => {});
    },
  };
}
