/**
 * The failure summary: one comment the bot keeps on a pull request about its head commit,
 * brought up to date whenever one of the pull request's runs completes. It lists each failed
 * job of the head — over every run of that commit, their current attempts' rows — with its
 * workflow, namespace, log and the `/rerun` line that re-runs it; once none is left it says
 * so. The comment is found again by `pull_requests.summary_comment_id`, or by its hidden
 * marker when the id was never stored (the answer to the post was lost), and edited: it is
 * never posted twice. The pull request's row stays locked while the comment is decided and
 * written, so two bots completing two runs at once take turns, the second editing what the
 * first posted.
 *
 * Nothing is posted for a head with nothing failed. Failed means `failure` (a job whose
 * runners were lost included), `timed_out` or `startup_failure`; cancelled jobs are not
 * failures, skipped ones are not listed, and a job with `continue-on-error` fails nothing.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { jobs, pullRequests, runs } from "../../db/schema.ts";
import { rerunLine } from "../commands/rerun-line.ts";
import type { Forge } from "../forges/forge.ts";
import { jobUrl, RUNNER_LOST_TITLE, runUrl } from "../runs/links.ts";
import { type RepoRef, repoRef } from "../runs/repo-ref.ts";
import type { RunRow } from "../runs/rows.ts";

/** What the comment's body starts with; people do not see it. */
export const SUMMARY_MARKER = "<!-- flotilla:failure-summary -->";

export interface SummaryDeps {
  db: Db;
  publicUrl: string;
  /** FAILURE_COMMENT: false, and no summary is read or written. */
  failureComment: boolean;
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** The pull request a run is for: its ref is the test merge `refs/pull/<n>/merge` (or the head). */
const PULL_REF = /^refs\/pull\/(\d+)\/(?:merge|head)$/;

/**
 * Call once a job of `run` completed and what follows it ran: when the run is now completed
 * (this job or what followed it completed the run) and it is a pull request's, the summary is
 * brought up to date. Costs one read (the run's status) per job, none for other events or
 * with the summary off; a completion handled again (redelivered) writes the same comment again.
 */
export async function summarizeIfRunCompleted(
  deps: SummaryDeps,
  forge: Forge,
  run: RunRow,
  log: Logger,
): Promise<void> {
  if (!deps.failureComment || run.eventName !== "pull_request") return;
  const pull = PULL_REF.exec(run.ref);
  if (!pull) return;
  const [now] = await deps.db.select({ status: runs.status }).from(runs).where(eq(runs.id, run.id));
  if (now?.status !== "completed") return;
  const at = { repository: run.repository, pullNumber: Number(pull[1]), sha: run.sha };
  try {
    await updateFailureSummary(deps, forge, at, log);
  } catch (error) {
    // Refused for good (the app may not write comments, the pull request is gone): the run's
    // results stand, and redelivering its completion cannot help. Anything else is tried again.
    const status = (error as { status?: number }).status;
    if (status === undefined || !REFUSED.has(status)) throw error;
    log.warn({ status, pull: at.pullNumber }, "failure summary not written: the forge refused it");
  }
}

const REFUSED = new Set([403, 404, 410, 422]);

/**
 * Writes the summary of pull request `pullNumber` for its head commit — unless `sha` is not
 * that head any more: a newer push moved it on, and the head's own runs write about it.
 */
export async function updateFailureSummary(
  deps: Pick<SummaryDeps, "db" | "publicUrl">,
  forge: Forge,
  at: { repository: string; pullNumber: number; sha: string },
  log: Logger,
): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const where = and(eq(pullRequests.repository, at.repository), eq(pullRequests.number, at.pullNumber));
    const [pr] = await tx.select().from(pullRequests).where(where).for("update");
    if (!pr || pr.headSha !== at.sha) return;
    const rows = await headRows(tx, at.repository, pr.headSha);
    const { body, failed } = summaryBody(rows, pr.headSha, deps.publicUrl);
    const repo = repoRef(at.repository);
    let id = pr.summaryCommentId ?? undefined;
    if (id !== undefined && !(await edit(forge, repo, at.pullNumber, id, body))) id = undefined;
    if (id === undefined && failed > 0) {
      // Never stored (or deleted on the forge): a post whose answer was lost may still be there.
      const found = await forge.findComment(repo, at.pullNumber, SUMMARY_MARKER);
      if (found) await forge.editComment(repo, at.pullNumber, found.id, body);
      id = found?.id ?? (await forge.comment(repo, at.pullNumber, body)).id;
    }
    if (id !== (pr.summaryCommentId ?? undefined)) {
      await tx
        .update(pullRequests)
        .set({ summaryCommentId: id ?? null })
        .where(where);
    }
    if (id !== undefined) log.info({ pull: at.pullNumber, comment: id, failed }, "failure summary written");
  });
}

/** Edits the comment; false when it is gone (deleted on the forge). */
async function edit(forge: Forge, repo: RepoRef, pullNumber: number, id: number, body: string): Promise<boolean> {
  try {
    await forge.editComment(repo, pullNumber, id, body);
    return true;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 404 && status !== 410) throw error;
    return false;
  }
}

type HeadRow = Awaited<ReturnType<typeof headRows>>[number];

/** The current rows of every run at the commit, with what the summary shows of their runs. */
function headRows(tx: Tx, repository: string, sha: string) {
  return tx
    .select({
      id: jobs.id,
      jobId: jobs.jobId,
      jobKey: jobs.jobKey,
      name: jobs.name,
      namespace: jobs.namespace,
      status: jobs.status,
      conclusion: jobs.conclusion,
      continueOnError: jobs.continueOnError,
      message: jobs.message,
      runId: runs.id,
      workflowName: runs.workflowName,
      attempt: runs.attempt,
      accessToken: runs.accessToken,
    })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(and(eq(runs.repository, repository), eq(runs.sha, sha), isNull(jobs.supersededAt)))
    .orderBy(asc(runs.workflowName), asc(runs.createdAt), asc(jobs.namespace), asc(jobs.createdAt), asc(jobs.jobKey));
}

const FAILED: Record<string, string> = { failure: "failed", timed_out: "timed out", startup_failure: "did not start" };
const PASSED = new Set(["success", "skipped", "neutral"]);

function summaryBody(rows: HeadRow[], sha: string, publicUrl: string): { body: string; failed: number } {
  const short = sha.slice(0, 7);
  const done = rows.filter((r) => r.status === "completed");
  const open = rows.length - done.length;
  const failed = done.filter((r) => FAILED[r.conclusion ?? ""] !== undefined && !r.continueOnError);
  const attempt = Math.max(1, ...rows.map((r) => r.attempt));
  if (failed.length === 0) {
    const unfinished = done.filter((r) => !PASSED.has(r.conclusion ?? "") && !r.continueOnError);
    const named = unfinished.map((r) => `${code(r.name)} (${(r.conclusion ?? "").replaceAll("_", " ")})`);
    const line =
      open > 0
        ? `**No job of ${short} has failed so far**; ${count(open, "job")} still queued or running.`
        : unfinished.length > 0
          ? `**No job of ${short} failed** (on attempt ${attempt}), but ${count(unfinished.length, "job")} did not run to the end: ${named.join(", ")}.`
          : `**All jobs of ${short} passed** (on attempt ${attempt}).`;
    return { body: `${SUMMARY_MARKER}\n${line}`, failed: 0 };
  }
  const cells = (r: HeadRow) => [
    code(r.name),
    `[${plain(r.workflowName)}](${runUrl(publicUrl, r.runId, r.accessToken)}), attempt ${r.attempt}`,
    code(r.namespace),
    r.message?.startsWith(`${RUNNER_LOST_TITLE}:`) ? "runner lost" : FAILED[r.conclusion!]!,
    `[log](${jobUrl(publicUrl, r.id, r.accessToken)})`,
    code(rerunLine(r, rows)),
  ];
  const body = [
    SUMMARY_MARKER,
    `**${count(failed.length, "job")} failed** at ${short}:`,
    "",
    "| job | workflow | namespace | result | log | re-run it with |",
    "| --- | --- | --- | --- | --- | --- |",
    ...failed.map(
      (r) =>
        `| ${cells(r)
          .map((cell) => cell.replaceAll("|", "\\|"))
          .join(" | ")} |`,
    ),
    "",
    `Comment a job's line to re-run it (and the jobs that need it), or \`/rerun\` for every job of ${short} that did not succeed.`,
    ...(open > 0
      ? [
          "",
          `${count(open, "more job")} of ${short} ${open === 1 ? "is" : "are"} still queued or running: this comment is updated as runs complete.`,
        ]
      : []),
  ];
  return { body: body.join("\n"), failed: failed.length };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** `text` as inline code, whatever backticks it holds. */
function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** `text` with the characters Markdown would read as markup escaped. */
function plain(text: string): string {
  return text.replace(/[\\`*_[\]<>]/g, "\\$&");
}
