/**
 * The log pages a check run's "Details" link opens. Each link carries the run's unguessable
 * token: whoever can see the check run (people with access to the repository) can open it;
 * nobody can guess the way to another run's logs. A wrong token looks exactly like no run.
 */
import { timingSafeEqual } from "node:crypto";
import { asc, and, eq } from "drizzle-orm";
import { AnsiUp } from "ansi_up";
import type { Db } from "../../db/client.ts";
import { approvals, jobs, logChunks, runs } from "../../db/schema.ts";
import { pathOf, type Handler } from "../http/handler.ts";
import { escapeHtml, page, statusBadge } from "./layout.ts";

const UUID = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})";
const RUN_PATH = new RegExp(`^/runs/${UUID}$`, "i");
const JOB_PATH = new RegExp(`^/jobs/${UUID}$`, "i");

export interface LogPagesOptions {
  /** Extra HTML for a run's page after its jobs (the artifacts), given a run whose token matched. */
  runSections?: (runId: string, token: string) => Promise<string>;
}

export function logPagesHandler(db: Db, options: LogPagesOptions = {}): Handler {
  return async (req, res) => {
    if (req.method !== "GET") return false;
    const { path, query } = pathOf(req);
    const runMatch = RUN_PATH.exec(path);
    const jobMatch = JOB_PATH.exec(path);
    if (!runMatch && !jobMatch) return false;
    const token = query.get("token") ?? "";
    const html = runMatch ? await runPage(db, runMatch[1]!, token, options) : await jobPage(db, jobMatch![1]!, token);
    if (!html) {
      res
        .writeHead(404, { "content-type": "text/html; charset=utf-8" })
        .end(page("Not found", "<h1>Not found</h1><p>No such run, or the link is incomplete.</p>"));
      return true;
    }
    res
      .writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
      })
      .end(html);
    return true;
  };
}

export function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function runPage(db: Db, runId: string, token: string, options: LogPagesOptions): Promise<string | undefined> {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!run || !tokenMatches(run.accessToken, token)) return undefined;
  const rows = await db
    .select()
    .from(jobs)
    .where(eq(jobs.runId, run.id))
    .orderBy(asc(jobs.createdAt), asc(jobs.jobKey), asc(jobs.namespace));
  const q = `?token=${encodeURIComponent(token)}`;
  const table = (attemptRows: typeof rows) =>
    `<table><tr><th>Job</th><th>Namespace</th><th>Status</th><th>Runner</th></tr>${attemptRows
      .map(
        (j) =>
          `<tr><td><a href="/jobs/${j.id}${q}">${escapeHtml(j.name)}</a></td><td>${escapeHtml(j.namespace)}</td><td>${statusBadge(j.status, j.conclusion)}</td><td>${escapeHtml(j.runnerName ?? "")}</td></tr>`,
      )
      .join("")}</table>`;
  // Every attempt with the jobs it ran; a job not re-run belongs to the attempt it ran in.
  const attempts = [...new Set(rows.map((r) => r.runAttempt))].sort((a, b) => b - a);
  const list =
    attempts.length > 1
      ? attempts
          .map(
            (n) =>
              `<h2>Attempt ${n}${n === run.attempt ? " (latest)" : ""}</h2>${table(rows.filter((r) => r.runAttempt === n))}`,
          )
          .join("\n")
      : rows.length
        ? table(rows)
        : "";
  const [approval] = await db
    .select()
    .from(approvals)
    .where(and(eq(approvals.repository, run.repository), eq(approvals.sha, run.sha)));
  const approved = approval
    ? `<p class="meta">Approved by @${escapeHtml(approval.approvedBy)} with <code>/ok-to-test</code> at ${escapeHtml(approval.approvedAt.toISOString())} (a fork's pull request #${approval.pullNumber})</p>`
    : "";
  const body = `<h1>${escapeHtml(run.workflowName)} #${run.runNumber}</h1>
<p class="meta">${escapeHtml(run.repository)} · ${escapeHtml(run.eventName)} · ${escapeHtml(run.ref)} · <code>${escapeHtml(run.sha.slice(0, 12))}</code> · ${statusBadge(run.status, run.conclusion)}</p>
${run.error ? `<h2>${run.error.startsWith("infrastructure error") ? "Infrastructure error" : "This workflow file is not valid"}</h2><pre>${escapeHtml(run.error)}</pre>` : ""}
${approved}
${list}
${options.runSections ? await options.runSections(run.id, token) : ""}`;
  return page(`${run.workflowName} #${run.runNumber}`, body, {
    refreshSeconds: run.status === "completed" ? undefined : 5,
  });
}

async function jobPage(db: Db, jobId: string, token: string): Promise<string | undefined> {
  const [row] = await db
    .select({ job: jobs, run: runs })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(eq(jobs.id, jobId));
  if (!row || !tokenMatches(row.run.accessToken, token)) return undefined;
  const { job, run } = row;
  const chunks = await db
    .select({ data: logChunks.data })
    .from(logChunks)
    .where(and(eq(logChunks.jobId, job.id), eq(logChunks.attempt, job.attempt)))
    .orderBy(asc(logChunks.seq));
  const log = chunks.map((c) => c.data).join("");
  const steps = job.steps
    .map((s) => `<tr><td>${escapeHtml(s.name)}</td><td>${statusBadge(s.status, s.conclusion ?? null)}</td></tr>`)
    .join("");
  const body = `<h1>${escapeHtml(job.name)}</h1>
<p class="meta"><a href="/runs/${run.id}?token=${encodeURIComponent(token)}">${escapeHtml(run.workflowName)} #${run.runNumber}</a> · ${escapeHtml(run.repository)} · <code>${escapeHtml(run.sha.slice(0, 12))}</code> · namespace ${escapeHtml(job.namespace)} · ${statusBadge(job.status, job.conclusion)}${job.runnerName ? ` · on <a class="runner" href="/runners">${escapeHtml(job.runnerName)}</a>` : ""}</p>
${job.message ? `<p><strong>${escapeHtml(job.message)}</strong></p>` : ""}
${steps ? `<table><tr><th>Step</th><th>Result</th></tr>${steps}</table>` : ""}
<pre class="log">${renderLog(log) || (job.status === "queued" ? "Waiting for a runner…" : "")}</pre>`;
  return page(job.name, body, { refreshSeconds: job.status === "completed" ? undefined : 3 });
}

/**
 * ANSI colours become spans; the runner's step header lines stand out; `::group::` sections
 * (written by the runner as `##[group]title` … `##[endgroup]`) fold, as on GitHub.
 */
export function renderLog(log: string): string {
  const ansi = new AnsiUp();
  ansi.use_classes = false;
  let open = 0;
  const html = log.split("\n").map((line) => {
    if (line.startsWith("##[group]")) {
      open++;
      return `<details><summary>${ansi.ansi_to_html(line.slice("##[group]".length))}</summary>`;
    }
    if (line.startsWith("##[endgroup]") && open > 0) {
      open--;
      return "</details>";
    }
    return line.startsWith("▶ ") ? `<span class="step">${ansi.ansi_to_html(line)}</span>` : ansi.ansi_to_html(line);
  });
  return html.join("\n") + "</details>".repeat(open);
}
