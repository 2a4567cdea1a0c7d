/**
 * `/jobs/:id`: a job's log page, streamed. The head, the steps and then the log leave batch by
 * batch as they are read from Postgres (a 200,000-line log is never held whole), numbered and
 * folded by log-lines.ts, so the page reads without JavaScript. Its end names the cursor the
 * log was read to; the page's script (assets/job-log.js) opens the live stream from there.
 */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { Db } from "../../db/client.ts";
import type { JobRow, RunRow } from "../runs/rows.ts";
import { annotationsList } from "./job-annotations.ts";
import { escapeHtml, PAGE_FOOT, pageHead, statusBadge } from "./layout.ts";
import { createLineReader, formatCursor, itemsHtml } from "./log-lines.ts";
import { storedLog } from "./log-chunks.ts";
import { duration, runHeader } from "./run-labels.ts";

export async function sendJobPage(db: Db, res: ServerResponse, job: JobRow, run: RunRow, token: string): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    // Served as it is read: a proxy must not hold it back until the end.
    "x-accel-buffering": "no",
  });
  const q = `?token=${encodeURIComponent(token)}`;
  const live = job.status !== "completed";
  await write(
    res,
    `${pageHead(job.name, { refreshSeconds: live ? 5 : undefined, refreshWithoutScript: true })}<h1>${escapeHtml(job.name)}</h1>
${runHeader(run, token)}
<p class="meta">namespace ${escapeHtml(job.namespace)} · <span id="job-status">${statusBadge(job.status, job.conclusion)}</span>${job.runnerName ? ` · on <a class="runner" href="/runners">${escapeHtml(job.runnerName)}</a>` : ""}${job.runAttempt > 1 ? ` · attempt ${job.runAttempt}` : ""}</p>
${job.message ? `<p><strong>${escapeHtml(job.message)}</strong></p>` : ""}
${stepsTable(job)}
${annotationsList(job.annotations)}
<p class="tools"><a id="raw" href="/jobs/${job.id}/log.txt${q}">Raw log</a> <button id="follow" type="button" hidden>Follow the log</button></p>
<form class="tools" id="find-form" role="search" hidden><input id="find" type="search" placeholder="Find in log (Enter: next, Shift+Enter: previous)" aria-label="Find in log" size="40"> <span id="find-count" class="meta"></span></form>
<div class="log" id="log" data-events="/jobs/${job.id}/events${q}">`,
  );
  const reader = createLineReader({ attempt: job.attempt, offset: 0, line: 1, depth: 0 });
  let empty = true;
  for await (const text of storedLog(db, job.id, job.attempt)) {
    if (res.destroyed) return;
    const items = reader.push(text);
    empty &&= items.length === 0;
    await write(res, itemsHtml(items));
  }
  // A finished log's last line may lack its newline; a live one's is still being written.
  if (!live) await write(res, itemsHtml(reader.flush()));
  const cursor = reader.cursor();
  const waiting = empty && job.status === "queued" ? `<p class="meta" id="waiting">Waiting for a runner…</p>` : "";
  res.end(
    `${"</details>".repeat(cursor.depth)}</div>${waiting}
<div id="log-end" data-cursor="${formatCursor(cursor)}" data-live="${live}"></div>
<script type="module" src="/assets/job-log.js"></script>${PAGE_FOOT}`,
  );
}

function stepsTable(job: JobRow): string {
  if (job.steps.length === 0) return `<table id="steps" hidden><tbody></tbody></table>`;
  const rows = job.steps.map((s) => stepRow(s)).join("");
  return `<table id="steps"><thead><tr><th>Step</th><th>Result</th><th>Duration</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function stepRow(s: JobRow["steps"][number]): string {
  const took =
    s.startedAt && s.completedAt
      ? duration(Date.parse(s.completedAt) - Date.parse(s.startedAt))
      : s.startedAt
        ? "…"
        : "";
  return `<tr data-step="${s.index}" data-started="${escapeHtml(s.startedAt ?? "")}"><td>${escapeHtml(s.name)}</td><td>${statusBadge(s.status, s.conclusion ?? null)}</td><td class="took">${took}</td></tr>`;
}

async function write(res: ServerResponse, text: string): Promise<void> {
  if (text && !res.write(text)) await Promise.race([once(res, "drain"), once(res, "close")]);
}
