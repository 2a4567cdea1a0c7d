/**
 * A schedule clock for tests (bot/schedules/clock.ts): it shows `start` now and runs `speed`
 * times faster than real time, so a cron slot a minute away comes in a second or two, while the
 * real setTimeout and the real election still do the firing.
 */
import type { Clock } from "../../bot/schedules/clock.ts";

export function fastClock(start: Date, speed: number): Clock {
  const realStart = Date.now();
  const now = () => new Date(start.getTime() + (Date.now() - realStart) * speed);
  return { now, msUntil: (at) => (at.getTime() - now().getTime()) / speed };
}
