/**
 * Every bot's cron timer. It holds the schedules Postgres has (read at start, and again each
 * time a bot announces a change on the schedules bucket's `changed` key, which every timer
 * watches), sleeps until the earliest next slot of any of them — one setTimeout, no polling —
 * and on waking fires each slot that has come due: the bot that claims the slot (slot-claim.ts)
 * publishes its `schedule` event, the others let it be.
 *
 * Slots that passed while no bot was up are not fired afterwards, as GitHub does not catch up
 * either: a timer starts from the time it started.
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
}

/** setTimeout's longest delay; a later slot is reached by waking and sleeping again. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export async function startScheduleTimer(deps: ScheduleTimerDeps): Promise<{ stop(): Promise<void> }> {
  let since = deps.clock.now();
  let armed: Armed[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let waking = Promise.resolve();

  const next = (entry: Armed, after: Date) => nextFireIn(entry.cron, after, entry.row.timezone || undefined);

  const load = async () => {
    armed = (await listSchedules(deps.db)).flatMap((row) => {
      try {
        const entry = { row, key: scheduleKey(row), cron: parseCron(row.cron) };
        next(entry, since); // throws for a cron that never fires (`0 0 30 2 *`)
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
    const earliest = Math.min(...armed.map((entry) => next(entry, since).getTime()));
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
      const slot = latestSlot(entry, since, now);
      return slot ? [{ entry, slot }] : [];
    });
    since = now;
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

  await load();
  arm();
  const watch = await deps.kv.watch({ key: CHANGED_KEY, include: "updates" });
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
