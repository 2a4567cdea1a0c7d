/**
 * The lease is the bot's setting alone: a bot with a two-second `JOB_LEASE_SECONDS` and a
 * runner left at its defaults (nothing about leases configured) run a job that takes longer
 * than the lease exactly once — the runner extends as often as the job message says.
 */
import { and, eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { jobs } from "../../db/schema.ts";
import { labelsetToken } from "../../protocol/labels.ts";
import { until } from "../helpers/until.ts";

const f = flotillaSuite({
  env: { JOB_LEASE_SECONDS: "2" },
});

it("runs a job longer than the bot's lease once, on runners with default lease settings", async () => {
  // Two of them: a lapsed lease would hand the job to the idle one at once.
  await f.startRunner({ name: "defaults-1", labels: ["lease"] });
  await f.startRunner({ name: "defaults-2", labels: ["lease"] });
  const { sha } = await f.pushRepository("lease", "slow", {
    ".flotilla/workflows/ci.yml": [
      "on: push",
      "jobs:",
      "  slow:",
      "    runs-on: [self-hosted, lease]",
      "    steps: [{ run: sleep 5; echo slept }]",
      "",
    ].join("\n"),
  });
  const [slow] = await f.finished(sha, ["slow"], 30_000);
  expect(slow.run.conclusion).toBe("success");
  expect(slow.history.filter((h) => h.body.status === "completed")).toHaveLength(1);
  expect(slow.history.filter((h) => h.body.status === "in_progress")).toHaveLength(1);

  // The forge is written before Postgres: wait for the row too.
  const row = await until(
    async () =>
      (
        await f.bot.db.db
          .select()
          .from(jobs)
          .where(and(eq(jobs.checkRunId, slow.run.id), eq(jobs.status, "completed")))
      )[0],
    10_000,
    "the job row to complete",
  );
  expect(row).toMatchObject({ attempt: 1, lostAttempts: 0 });
  const names = f.bot.bus.names;
  const consumer = await f.bot.bus.jsm.consumers.info(
    names.jobsStream("default"),
    names.jobConsumer("default", labelsetToken(row.labels)),
  );
  expect(consumer.config.ack_wait).toBe(2_000_000_000);
  expect(consumer.num_redelivered).toBe(0);
});
