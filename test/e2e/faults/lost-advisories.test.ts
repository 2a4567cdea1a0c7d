/**
 * A job whose deliveries ran out while no stream kept the MAX_DELIVERIES advisory (how earlier
 * versions lost them) is found when the bot starts, and runs. The deliveries are spent the way
 * a one-slot runner spends them: it pulls the message and hands it back (nak) until JetStream
 * gives up on it.
 */
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";
import { jobs } from "../../../db/schema.ts";
import { natsNames } from "../../../protocol/names.ts";
import { labelsetToken } from "../../../protocol/labels.ts";
import { until } from "../../helpers/until.ts";
import { scratchDir } from "../../helpers/scratch.ts";
import { allCompleted, countedWorkflow, expectEachJobOnce, expectedKeys, pushWorkflow } from "./support.ts";

const scratch = scratchDir("flotilla-lost-advisories-");

const f = flotillaSuite({
  env: { JOB_MAX_ATTEMPTS: "3" },
});

it("deliveries spent with no advisory kept: the bot finds the job at start-up and it runs once", {
  timeout: 90_000,
}, async () => {
  const ran = join(scratch(), "ran.log");
  const labels = ["self-hosted", "lost-advisory"];
  const sha = await pushWorkflow(
    f,
    "lost",
    countedWorkflow(ran, { jobs: ["work"], legs: 2, labels: ["lost-advisory"] }),
  );
  await until(
    async () => (await f.bot.db.db.select().from(jobs)).filter((j) => j.streamSeq !== null).length === 2,
    30_000,
    "both legs to be published",
  );

  // The bot is down and the namespace's advisories are not kept: nothing hears JetStream give up.
  await f.stopBot();
  const nc = await connect({ servers: f.natsUrl });
  const names = natsNames(f.prefix);
  const js = jetstream(nc);
  const jsm = await js.jetstreamManager();
  await jsm.streams.delete(names.advisoriesStream("default"));
  const consumer = await js.consumers.get(
    names.jobsStream("default"),
    names.jobConsumer("default", labelsetToken(labels)),
  );
  let handedBack = 0;
  for (;;) {
    const msg = await consumer.next({ expires: 1000 });
    if (!msg) break;
    msg.nak();
    handedBack++;
  }
  expect(handedBack).toBe(2 * 3);
  await nc.close();

  await f.restartBot();
  await f.startRunner({ name: "late", labels: ["lost-advisory"] });
  await f.fake.waitFor(() => allCompleted(f, [sha], 2), { timeoutMs: 60_000 });
  await expectEachJobOnce(f, [sha], ran, expectedKeys(["work"], 2));
  const rows = await f.bot.db.db.select().from(jobs).where(eq(jobs.status, "completed"));
  expect(rows.map((r) => r.attemptBase).sort()).toEqual([3, 3]);
});
