/**
 * `on: schedule` across two bot replicas against one Postgres and one NATS: a push to the
 * default branch records the workflow's cron, both bots' timers wake at each slot, and each
 * slot runs exactly once — at the default branch's head, with `github.event_name` `schedule`
 * and `github.event.schedule` the cron. A later push that drops the schedule stops it. The
 * bots share a clock that runs 30 times fast (a minute every two seconds); timers, election,
 * events stream, planner and runner are all real.
 */
import { eq } from "drizzle-orm";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readBotConfig } from "../../bot/config.ts";
import { startBot, type RunningBot } from "../../bot/start-bot.ts";
import { runs, schedules } from "../../db/schema.ts";
import { fastClock } from "../helpers/fast-clock.ts";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { freePort } from "../helpers/free-port.ts";
import { commitFiles } from "../helpers/git-repo.ts";
import { until } from "../helpers/until.ts";

const f = flotillaSuite({ runners: [{ name: "cron-runner" }] });

const NIGHTLY = `name: Nightly
on:
  schedule:
    - cron: '* * * * *'
jobs:
  tick:
    runs-on: self-hosted
    steps:
      - run: echo "event \${{ github.event_name }} cron '\${{ github.event.schedule }}' ref \${{ github.ref }} sha \${{ github.sha }} by \${{ github.actor }}"
`;

// A slot every two seconds of real time.
const clock = fastClock(new Date("2026-05-01T03:00:56Z"), 30);
const fired: string[][] = [[], []];
const bots: RunningBot[] = [];

/** A bot's log, kept: which slots it says it fired. */
function firedLog(lines: string[]) {
  return pino(
    { level: "info" },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { msg: string; slot?: string };
        if (entry.msg === "schedule fired" && entry.slot) lines.push(entry.slot);
      },
    },
  );
}

beforeAll(async () => {
  // The suite's bot gives way to two replicas that share the fast clock.
  await f.stopBot();
  bots.push(await startBot(readBotConfig(f.botEnv), firedLog(fired[0]!), { clock }));
  const port = await freePort();
  const second = { ...f.botEnv, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` };
  bots.push(await startBot(readBotConfig(second), firedLog(fired[1]!), { clock }));
});

afterAll(async () => {
  for (const bot of bots) await bot.close();
});

async function scheduledRuns() {
  return bots[0]!.db.db.select().from(runs).where(eq(runs.eventName, "schedule"));
}

it("runs each slot of the default branch's cron exactly once across two bots, until a push drops it", async () => {
  const { repo, sha, dir } = await f.repository("acme", "nightly", { ".flotilla/workflows/nightly.yml": NIGHTLY });
  // The bots have been up for more than a slot before the schedule exists: that slot is not its.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const pushedAt = clock.now().getTime();
  await f.push(repo, sha);

  // Three slots: 03:01, 03:02, 03:03 on the fast clock.
  const done = await f.fake.waitFor(
    () => {
      const finished = f.fake.checkRuns.filter((r) => r.run.name === "tick" && r.run.status === "completed");
      return finished.length >= 3 && finished;
    },
    { timeoutMs: 30_000 },
  );
  for (const check of done) {
    expect(check.run.head_sha).toBe(sha);
    expect(check.run.conclusion).toBe("success");
    expect((check.run.output as { text: string }).text).toContain(
      `event schedule cron '* * * * *' ref refs/heads/main sha ${sha} by ${repo.owner.login}`,
    );
  }
  // Each slot was fired by one bot only, and made one run.
  const slots = [...fired[0]!, ...fired[1]!];
  expect(new Set(slots).size).toBe(slots.length);
  const planned = await scheduledRuns();
  expect(planned.length).toBe(slots.length);
  // No slot from before the schedule was pushed (the bots ran minutes before it); whole minutes, none skipped.
  expect(slots.every((slot) => Date.parse(slot) > pushedAt)).toBe(true);
  const minutes = slots.map((slot) => Date.parse(slot) / 60_000).sort((a, b) => a - b);
  expect(minutes.every((minute, i) => Number.isInteger(minute) && (i === 0 || minute === minutes[i - 1]! + 1))).toBe(
    true,
  );

  // A push to main without the schedule: once it is planned, no slot fires.
  const next = await commitFiles(dir, { ".flotilla/workflows/nightly.yml": null });
  await f.push(repo, next);
  await until(
    async () => (await bots[0]!.db.db.select().from(schedules)).length === 0,
    15_000,
    "the push to drop the schedule",
  );
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the announcement reaches both timers
  const settled = fired[0]!.length + fired[1]!.length;
  await new Promise((resolve) => setTimeout(resolve, 5_000)); // two and a half slots
  expect(fired[0]!.length + fired[1]!.length).toBe(settled);
  expect((await scheduledRuns()).length).toBe(settled);
}, 60_000);
