/**
 * Which jobs of a commit a `/rerun` or `/cancel` means. A job is named by its id under `jobs:`
 * (every leg of a matrix), its key or display name (one leg: `build (linux, 20)`), or the name
 * its check run shows (`build (linux, 20) [x86-lab]`), case-insensitively. `/rerun` alone takes
 * what did not succeed: failed (a lost runner fails the job), cancelled, timed out, or never ran
 * because it waited for approval; what was skipped for their sake comes along as their dependents.
 */
import type { JobRow, RunRow } from "../runs/rows.ts";
import { checkRunName } from "../runs/links.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";
import type { Command } from "./command.ts";

/** A run at the commit, with its current attempt's rows. */
export interface RunJobs {
  run: RunRow;
  rows: JobRow[];
}

/** What a job is named by: its id, key, name and check run name. */
export type NamedJob = Pick<JobRow, "jobId" | "jobKey" | "name" | "namespace">;

const NOT_SUCCEEDED = new Set(["failure", "cancelled", "timed_out", "action_required", "startup_failure", "stale"]);

export function chooseReruns(
  atHead: RunJobs[],
  command: Extract<Command, { name: "rerun" }>,
  sha: string,
): Result<RunJobs[]> {
  const scoped = inNamespace(atHead, command.namespace);
  if (!scoped.ok) return scoped;
  const short = sha.slice(0, 7);
  if (command.which === "all") return nonEmpty(scoped.value, `Nothing to re-run: ${short} has no jobs.`);
  if (command.which === "failed") {
    const chosen = scoped.value.map(({ run, rows }) => ({
      run,
      rows: rows.filter((r) => r.status === "completed" && NOT_SUCCEEDED.has(r.conclusion ?? "")),
    }));
    return nonEmpty(chosen, `Nothing to re-run: no job of ${short} failed, was cancelled, timed out or was lost.`);
  }
  const unknown = command.jobs.filter((name) => !scoped.value.some(({ rows }) => rows.some((r) => namesJob(r, name))));
  if (unknown.length > 0) {
    const known = [...new Set(scoped.value.flatMap(({ rows }) => rows.map((r) => r.name)))].sort();
    return fail(
      `No job ${unknown.map((n) => `\`${n}\``).join(", ")} at ${short}. Its jobs: ${known.map((n) => `\`${n}\``).join(", ") || "none"}.`,
    );
  }
  const chosen = scoped.value.map(({ run, rows }) => ({
    run,
    rows: rows.filter((r) => command.jobs.some((name) => namesJob(r, name))),
  }));
  return nonEmpty(chosen, `Nothing to re-run at ${short}.`);
}

/** The running and queued jobs a `/cancel` stops. */
export function chooseCancels(atHead: RunJobs[], namespace: string | undefined, sha: string): Result<RunJobs[]> {
  const scoped = inNamespace(atHead, namespace);
  if (!scoped.ok) return scoped;
  const open = scoped.value.map(({ run, rows }) => ({ run, rows: rows.filter((r) => r.status !== "completed") }));
  return nonEmpty(open, `Nothing to cancel: no job of ${sha.slice(0, 7)} is queued or running.`);
}

function inNamespace(atHead: RunJobs[], namespace: string | undefined): Result<RunJobs[]> {
  if (namespace === undefined) return ok(atHead);
  const scoped = atHead.map(({ run, rows }) => ({ run, rows: rows.filter((r) => r.namespace === namespace) }));
  if (scoped.some(({ rows }) => rows.length > 0)) return ok(scoped);
  const known = [...new Set(atHead.flatMap(({ rows }) => rows.map((r) => r.namespace)))].sort();
  return fail(`No jobs in namespace \`${namespace}\`. Namespaces that ran this commit: ${known.join(", ") || "none"}.`);
}

function nonEmpty(chosen: RunJobs[], nothing: string): Result<RunJobs[]> {
  const left = chosen.filter(({ rows }) => rows.length > 0);
  return left.length > 0 ? ok(left) : fail(nothing);
}

/** Whether `name`, as a command writes it, names the job `row`. */
export function namesJob(row: NamedJob, name: string): boolean {
  const wanted = name.trim().toLowerCase();
  return [row.jobId, row.jobKey, row.name, checkRunName(row.name, row.namespace)].some(
    (candidate) => candidate.toLowerCase() === wanted,
  );
}
