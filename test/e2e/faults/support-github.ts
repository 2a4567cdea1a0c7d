/**
 * For suites where GitHub's writes fail: read the job rows of a commit, check that GitHub
 * shows exactly one finished check run per job (the one Postgres recorded), and make Postgres
 * refuse the first check run ids the planner records. The rest is in support.ts.
 */
import { eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import { jobs, runs } from "../../../db/schema.ts";
import type { Flotilla } from "../../helpers/flotilla.ts";

async function jobRowsOf(f: Flotilla, sha: string) {
  return f.bot.db.db
    .select({ id: jobs.id, name: jobs.name, status: jobs.status, checkRunId: jobs.checkRunId })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(eq(runs.sha, sha));
}

/**
 * GitHub shows one check run per job row of `sha` (by external id, which is the job's id),
 * every one completed with `conclusion`, no other check run on the commit, and each id the
 * one Postgres recorded.
 */
export async function expectOneCheckRunPerJob(
  f: Flotilla,
  sha: string,
  jobCount: number,
  conclusion = "success",
): Promise<void> {
  const rows = await jobRowsOf(f, sha);
  expect(rows).toHaveLength(jobCount);
  const onCommit = f.fake.checkRuns.filter((r) => r.run.head_sha === sha);
  const byJob = new Map(rows.map((row) => [row.id, onCommit.filter((r) => r.run.external_id === row.id)]));
  const duplicated = [...byJob]
    .filter(([, found]) => found.length !== 1)
    .map(([id, found]) => `${id}: ${found.length}`);
  expect(duplicated).toEqual([]);
  expect(onCommit).toHaveLength(jobCount);
  expect(new Set(onCommit.map((r) => r.run.name)).size).toBe(jobCount);
  expect(
    onCommit.filter((r) => r.run.status !== "completed" || r.run.conclusion !== conclusion).map((r) => r.run.name),
  ).toEqual([]);
  expect(rows.map((row) => row.checkRunId).sort()).toEqual(onCommit.map((r) => r.id).sort());
}

/**
 * Postgres refuses the next `count` writes that record the check run id of a job of
 * `repository` (a trigger raising an error, as a failover or a full disk would): the check
 * runs exist on GitHub, their ids are not stored, and the plan fails. Returns how many were
 * refused and a way to remove the trigger.
 */
export async function refuseCheckRunRecords(
  f: Flotilla,
  repository: string,
  count: number,
): Promise<{ refused(): Promise<number>; remove(): Promise<void> }> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new Error(`not a repository name: ${repository}`);
  const db = f.bot.db.db;
  // A sequence, not a table: the refused statement's transaction rolls back, nextval does not.
  await db.execute(sql.raw(`CREATE SEQUENCE fault_check_records`));
  await db.execute(
    sql.raw(`CREATE FUNCTION fault_check_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.check_run_id IS NULL AND NEW.check_run_id IS NOT NULL AND (SELECT repository FROM runs WHERE id = NEW.run_id) = '${repository}' THEN
    IF nextval('fault_check_records') <= ${Number(count)} THEN
      RAISE EXCEPTION 'injected fault: check run of job % not recorded', NEW.id;
    END IF;
  END IF;
  RETURN NEW;
END $$`),
  );
  await db.execute(
    sql.raw(
      `CREATE TRIGGER fault_check_record BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION fault_check_record()`,
    ),
  );
  return {
    async refused() {
      const result = await db.execute(
        sql.raw(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM fault_check_records`),
      );
      const [row] = result as unknown as { n: string | number }[];
      return Math.min(Number(row?.n ?? 0), count);
    },
    async remove() {
      await db.execute(sql.raw(`DROP TRIGGER IF EXISTS fault_check_record ON jobs`));
      await db.execute(sql.raw(`DROP FUNCTION IF EXISTS fault_check_record()`));
      await db.execute(sql.raw(`DROP SEQUENCE IF EXISTS fault_check_records`));
    },
  };
}
