/**
 * A run's page, which a commit status's link opens (a job's page is job-page.ts). Each link carries the run's unguessable
 * token: whoever can see the check run (people with access to the repository) can open it;
 * nobody can guess the way to another run's logs. A wrong token looks exactly like no run.
 */
import { timingSafeEqual } from "node:crypto";
import { asc, and, eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { approvals, jobs, runs } from "../../db/schema.ts";
import { pathOf, type Handler } from "../http/handler.ts";
import type { RunRow } from "../runs/rows.ts";
import { escapeHtml, page } from "./layout.ts";
import { jobsOfAttempt, runGraph } from "./run-graph.ts";
import { duration, runHeader } from "./run-labels.ts";

const UUID = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})";
const RUN_PATH = new RegExp(`^/runs/${UUID}$`, "i");

export interface LogPagesOptions {
  /** Extra HTML for a run's page after its jobs (the artifacts), given a run whose token matched. */
  runSections?: (runId: string, token: string) => Promise<string>;
}

export function logPagesHandler(db: Db, options: LogPagesOptions = {}): Handler {
  return async (req, res) => {
    if (req.method !== "GET") return false;
    const { path, query } = pathOf(req);
    const runMatch = RUN_PATH.exec(path);
    if (!runMatch) return false;
    const token = query.get("token") ?? "";
    const html = await runPage(db, runMatch[1]!, token, query, options);
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

async function runPage(
  db: Db,
  runId: string,
  token: string,
  query: URLSearchParams,
  options: LogPagesOptions,
): Promise<string | undefined> {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!run || !tokenMatches(run.accessToken, token)) return undefined;
  const rows = await db
    .select()
    .from(jobs)
    .where(eq(jobs.runId, run.id))
    .orderBy(asc(jobs.createdAt), asc(jobs.jobKey), asc(jobs.namespace));
  const attempts = [...new Set(rows.map((r) => r.runAttempt))].sort((x, y) => y - x);
  const asked = Number(query.get("attempt"));
  const shown = attempts.includes(asked) ? asked : (attempts[0] ?? run.attempt);
  const q = `?token=${encodeURIComponent(token)}`;
  // Every attempt (after re-runs) can be chosen; a job not re-run belongs to the attempt it ran in.
  const picker =
    attempts.length > 1
      ? `<p class="attempts">Attempt ${attempts
          .map((n) =>
            n === shown
              ? `<strong aria-current="page">#${n}</strong>`
              : `<a href="/runs/${run.id}${q}&amp;attempt=${n}">#${n}</a>`,
          )
          .join(" · ")}</p>`
      : "";
  const now = new Date();
  const took = duration((run.completedAt ?? now).getTime() - run.createdAt.getTime());
  const list = rows.length
    ? `${picker}${runGraph(jobsOfAttempt(rows, shown), token, now, run.status === "completed" ? undefined : `/runs/${run.id}/events${q}`)}`
    : "";
  const [approval] = await db
    .select()
    .from(approvals)
    .where(and(eq(approvals.repository, run.repository), eq(approvals.sha, run.sha)));
  const approved = approval
    ? `<p class="meta">Approved by @${escapeHtml(approval.approvedBy)} with <code>/ok-to-test</code> at ${escapeHtml(approval.approvedAt.toISOString())} (a fork's pull request #${approval.pullNumber})</p>`
    : "";
  const body = `<h1>${escapeHtml(run.workflowName)} #${run.runNumber}</h1>
${runHeader(run, token)}
<p class="meta">triggered by ${escapeHtml(triggeredBy(run))} · ${took}${run.completedAt ? "" : " so far"}</p>
${run.error ? `<h2>${run.error.startsWith("infrastructure error") ? "Infrastructure error" : "This workflow file is not valid"}</h2><pre>${escapeHtml(run.error)}</pre>` : ""}
${approved}
${list}
${options.runSections ? await options.runSections(run.id, token) : ""}`;
  const live = run.status !== "completed";
  return page(
    `${run.workflowName} #${run.runNumber}`,
    live ? `${body}\n<script type="module" src="/assets/run-live.js"></script>` : body,
    {
      refreshSeconds: live ? 5 : undefined,
      refreshWithoutScript: true,
    },
  );
}

/** Who started the run, as GitHub's context names them: the actor of a re-run, or of the event. */
function triggeredBy(run: RunRow): string {
  const context = run.githubContext;
  const actor = context.triggering_actor ?? context.actor;
  return typeof actor === "string" && actor ? `${run.eventName} by @${actor}` : run.eventName;
}
