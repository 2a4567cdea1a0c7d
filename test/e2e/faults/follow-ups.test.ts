/**
 * What follows a completion (the commit status, releasing the jobs that need it) is retried
 * until done. Postgres itself refuses the first write of a follow-up — a trigger raising once,
 * counted by a sequence (sequences are not rolled back) — the way a terminated backend or a
 * failover would fail it; the completion is delivered again and must finish the work.
 */
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { expect, it } from "vitest";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";
import { until } from "../../helpers/until.ts";
import { scratchDir } from "../../helpers/scratch.ts";
import { allCompleted, countedWorkflow, expectEachJobOnce, expectedKeys, pushWorkflow } from "./support.ts";

const scratch = scratchDir("flotilla-follow-ups-");

const f = flotillaSuite({
  runners: [{ name: "r1", config: { concurrency: 2 } }],
});

/** Makes Postgres fail the first `update jobs` that matches `when` (a trigger condition on OLD/NEW). */
async function failOnce(name: string, table: "jobs" | "run_statuses", when: string): Promise<void> {
  await f.bot.db.db.execute(
    sql.raw(`
    create sequence ${name}_seq;
    create function ${name}() returns trigger language plpgsql as $$
    begin
      if nextval('${name}_seq') = 1 then raise exception 'injected fault: ${name}'; end if;
      return new;
    end $$;
    create trigger ${name} before update on ${table} for each row when (${when}) execute function ${name}();`),
  );
}

it("releasing a job's dependent fails once after it completed: the dependent still runs, the status ends final", {
  timeout: 90_000,
}, async () => {
  await failOnce(
    "fail_release",
    "jobs",
    "old.published_at is null and new.published_at is not null and new.job_id = 'second'",
  );
  const ran = join(scratch(), "release.log");
  const jobs = ["first", "second"];
  const sha = await pushWorkflow(f, "release", countedWorkflow(ran, { jobs, legs: 1, needs: { second: "first" } }));
  await f.fake.waitFor(() => allCompleted(f, [sha], 2), { timeoutMs: 60_000 });
  await expectEachJobOnce(f, [sha], ran, expectedKeys(jobs, 1));
  const [fault] = (await f.bot.db.db.execute(sql.raw("select last_value from fail_release_seq"))) as unknown as {
    last_value: string;
  }[];
  expect(Number(fault?.last_value)).toBeGreaterThanOrEqual(1);
});

it("recording a run's final status fails once: the status and the run still end final", {
  timeout: 90_000,
}, async () => {
  await failOnce("fail_settle", "run_statuses", "old.state = 'pending' and new.state <> 'pending'");
  const ran = join(scratch(), "settle.log");
  const sha = await pushWorkflow(f, "settle", countedWorkflow(ran, { jobs: ["only"], legs: 1 }));
  // The run row completes only once its status is recorded: that is what concurrency groups wait for.
  const run = await until(
    async () => {
      const rows = (await f.bot.db.db.execute(
        sql`select r.status from runs r join run_statuses s on s.run_id = r.id where s.state <> 'pending' and r.sha = ${sha}`,
      )) as unknown as { status: string }[];
      return rows[0]?.status === "completed" && rows[0];
    },
    60_000,
    "the run to be recorded completed",
  );
  expect(run.status).toBe("completed");
  await expectEachJobOnce(f, [sha], ran, expectedKeys(["only"], 1));
});
