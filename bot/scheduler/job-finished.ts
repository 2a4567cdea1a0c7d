/**
 * What follows a job's completion, whoever completed it (its runner's `completed` report, or
 * the bot giving up on a job whose runners kept vanishing): the namespace's commit status,
 * fail-fast for matrix siblings, and the release of jobs that needed it.
 */
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import type { Bus } from "../bus/connect.ts";
import type { Forge } from "../forges/forge.ts";
import { cloneTokenForSpec } from "./clone-token.ts";
import { releaseReadyJobs } from "./release-jobs.ts";
import { cancelJobs } from "./cancel-jobs.ts";
import { settleNamespace } from "./settle.ts";
import * as store from "./store-schedule.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";

export interface FinishDeps {
  db: Db;
  bus: Bus;
  lease: LeaseSettings;
  publicUrl: string;
}

/** Call after the job's row was marked completed with `conclusion`. */
export async function afterJobCompleted(
  deps: FinishDeps,
  forge: Forge,
  run: RunRow,
  job: JobRow,
  conclusion: string,
  log: Logger,
): Promise<void> {
  await settleNamespace(deps.db, forge, run, job.namespace, deps.publicUrl, deps.bus);
  if (failFast(job, conclusion)) {
    const siblings = await store.siblingsOf(deps.db, job);
    await cancelJobs(
      { db: deps.db, bus: deps.bus, forge, publicUrl: deps.publicUrl, log },
      run,
      siblings,
      `fail-fast: ${job.name} failed`,
    );
  }
  // Jobs that needed this one may be ready now — unless none is left to release and no
  // concurrency group changes hands: then a release pass (which reads every row of the run,
  // specs included) can do nothing, and a big matrix would pay it once per leg.
  if (!run.concurrencyGroup && !job.concurrencyGroup && !(await store.hasUnreleasedJobs(deps.db, run.id))) return;
  await releaseReadyJobs({ db: deps.db, bus: deps.bus, lease: deps.lease, log, publicUrl: deps.publicUrl }, run, {
    forge,
    cloneToken: () => (job.spec ? cloneTokenForSpec(forge, job.spec) : Promise.resolve(undefined)),
    onCompleted: (row) => settleNamespace(deps.db, forge, run, row.namespace, deps.publicUrl, deps.bus),
  });
}

/** A failed matrix leg cancels its siblings unless the matrix says `fail-fast: false`. */
function failFast(job: JobRow, conclusion: string): boolean {
  if (conclusion !== "failure" && conclusion !== "timed_out") return false;
  // GitHub: a leg with `continue-on-error` does not fail the matrix, so it cancels nothing.
  if (job.continueOnError) return false;
  const strategy = job.spec?.contexts?.strategy;
  return job.jobKey !== job.jobId && strategy?.["fail-fast"] !== false;
}
