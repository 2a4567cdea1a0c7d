/**
 * GitHub's `on.schedule` cron: five fields (minute, hour, day of month, month, day of week),
 * in UTC, with `*`, lists, ranges, steps and the names JAN–DEC, SUN–SAT. GitHub's parser has
 * already refused what is not valid (`isValidCron`); this only answers when a cron fires next.
 * As in POSIX cron, when both day fields are restricted a day matching either one fires.
 */

interface Field {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const FIELDS: Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  {
    min: 1,
    max: 12,
    names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
  },
  { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } },
];

export interface Cron {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Whether day of month and day of week were both restricted (then either may match). */
  eitherDay: boolean;
}

/** Throws on what GitHub's `isValidCron` would have refused. */
export function parseCron(text: string): Cron {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${text}" does not have five fields`);
  const [minutes, hours, days, months, weekdays] = parts.map((part, i) => values(part, FIELDS[i]!, text));
  return {
    minutes: minutes!,
    hours: hours!,
    days: days!,
    months: months!,
    weekdays: weekdays!,
    eitherDay: parts[2] !== "*" && parts[4] !== "*",
  };
}

function values(part: string, field: Field, text: string): Set<number> {
  const set = new Set<number>();
  for (const item of part.split(",")) {
    const [range = "", stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    let [from, to] = [field.min, field.max];
    if (range !== "*") {
      const [start = "", end] = range.split("-");
      from = number(start, field, text);
      // `5/15` is `5-59/15`, as in cron.
      to = end !== undefined ? number(end, field, text) : stepText === undefined ? from : field.max;
    }
    if (!Number.isInteger(step) || step < 1 || to < from) throw new Error(`cron "${text}": bad field "${part}"`);
    for (let value = from; value <= to; value += step) set.add(value);
  }
  return set;
}

function number(text: string, field: Field, cron: string): number {
  const named = field.names?.[text.toLowerCase()];
  const value = named ?? Number(text);
  if (!Number.isInteger(value) || value < field.min || value > field.max)
    throw new Error(`cron "${cron}": ${text} is out of range`);
  return value;
}

/**
 * The first minute strictly after `after` at which the cron fires. Skips whole days and hours
 * that cannot match, so a yearly cron costs a few hundred steps, not half a million.
 */
export function nextFire(cron: Cron, after: Date): Date {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  // Five years holds every valid day (29 February included) at least once.
  const limit = after.getTime() + 5 * 366 * 24 * 3600_000;
  while (t.getTime() <= limit) {
    if (!cron.months.has(t.getUTCMonth() + 1) || !dayMatches(cron, t)) {
      t.setUTCHours(24, 0, 0, 0);
      continue;
    }
    if (!cron.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!cron.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return t;
  }
  throw new Error("cron never fires");
}

function dayMatches(cron: Cron, t: Date): boolean {
  const day = cron.days.has(t.getUTCDate());
  const weekday = cron.weekdays.has(t.getUTCDay());
  return cron.eitherDay ? day || weekday : day && weekday;
}

/**
 * `nextFire` read on the wall clock of `timeZone` (an IANA name; UTC when absent), as GitHub
 * reads `on.schedule[].timezone`. A wall time that a clock change skips fires at the instant
 * the clock lands on; one it repeats fires once, the first time.
 */
export function nextFireIn(cron: Cron, after: Date, timeZone?: string): Date {
  if (!timeZone || timeZone === "UTC") return nextFire(cron, after);
  let wall = wallTime(after, timeZone);
  for (;;) {
    wall = nextFire(cron, wall);
    const instant = fromWallTime(wall, timeZone);
    if (instant.getTime() > after.getTime()) return instant;
  }
}

/** The wall clock of `timeZone` at `instant`, as a Date whose UTC fields are that clock's. */
function wallTime(instant: Date, timeZone: string): Date {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(instant)
      .map((part) => [part.type, Number(part.value)]),
  );
  return new Date(
    Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) +
      (instant.getTime() % 1000),
  );
}

function fromWallTime(wall: Date, timeZone: string): Date {
  const offset = (at: number) => wallTime(new Date(at), timeZone).getTime() - at;
  const guess = wall.getTime() - offset(wall.getTime());
  return new Date(wall.getTime() - offset(guess));
}
