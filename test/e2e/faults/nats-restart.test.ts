/**
 * nats-server restarted while 300 jobs are queued or running: every job still runs exactly
 * once, with one check run each and every status final. A private nats-server (its own port
 * and store) is stopped, and started again 1.5 s later, under the bot and two runners, twice.
 */
import { join } from "node:path";
import { count, isNotNull } from "drizzle-orm";
import { it } from "vitest";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";
import { jobs } from "../../../db/schema.ts";
import { until } from "../../helpers/until.ts";
import { scratchDir } from "../../helpers/scratch.ts";
import { allCompleted, countedWorkflow, expectEachJobOnce, expectedKeys, pushWorkflow, runCounts } from "./support.ts";

const scratch = scratchDir("flotilla-nats-restart-");

const f = flotillaSuite({
  privateNats: true,
});

/** nats-server killed, down for 1.5 s, started again on its port and store. */
/**
 * nats-server stopped as an operator or a supervisor stops it (SIGTERM), down for 1.5 s, started
 * again on its port and store. (A SIGKILL may also lose a delivery's state that the server had
 * not written yet; JetStream then delivers that job again: see docs/architecture.md#faults.)
 */
async function outage(): Promise<void> {
  f.nats!.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await f.nats!.restart();
}

async function publishedCount(): Promise<number> {
  const [row] = await f.bot.db.db.select({ n: count() }).from(jobs).where(isNotNull(jobs.publishedAt));
  return row?.n ?? 0;
}

it("a NATS restart under 300 queued and running jobs: each runs once, one check run each, statuses final", {
  timeout: 420_000,
}, async () => {
  const ran = join(scratch(), "ran.log");
  const jobs = ["a", "b"];
  const sha = await pushWorkflow(f, "restart", countedWorkflow(ran, { jobs, legs: 150 }));
  await f.startRunner({ name: "r1", config: { concurrency: 4 } });
  await f.startRunner({ name: "r2", config: { concurrency: 4 } });

  // First outage while the plan is publishing; the second with jobs running and queued.
  await until(async () => (await publishedCount()) > 0, 60_000, "the plan to start publishing");
  await outage();
  await until(async () => (await runCounts(ran)).size >= 60, 180_000, "60 jobs to have run");
  await outage();

  await until(
    async () => allCompleted(f, [sha], 300) && (await runCounts(ran)).size === 300,
    300_000,
    "all 300 jobs to complete",
  );
  await expectEachJobOnce(f, [sha], ran, expectedKeys(jobs, 150));
});
