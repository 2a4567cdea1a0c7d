/**
 * A run's jobs as its `needs` graph, for one attempt: a column per depth (a job stands one
 * column right of the deepest job it needs), a box per job id holding its matrix legs, each
 * leg linking to its log with its state and duration. A re-run makes new rows for the jobs it
 * runs again; attempt N shows, for every job, its newest row up to N, so a job not re-run
 * shows in the attempt it ran in.
 */
import type { JobRow } from "../runs/rows.ts";
import { escapeHtml, statusBadge } from "./layout.ts";
import { duration } from "./run-labels.ts";

/** The rows attempt `attempt` consists of: per job and namespace, the newest up to it. */
export function jobsOfAttempt(rows: JobRow[], attempt: number): JobRow[] {
  const newest = new Map<string, JobRow>();
  for (const row of rows) {
    if (row.runAttempt > attempt) continue;
    const key = `${row.jobKey}\u0000${row.namespace}`;
    const seen = newest.get(key);
    if (!seen || seen.runAttempt < row.runAttempt) newest.set(key, row);
  }
  return rows.filter((r) => newest.get(`${r.jobKey}\u0000${r.namespace}`) === r);
}

/** `events`: the run's live stream, for the page's script, while the run goes on. */
export function runGraph(rows: JobRow[], token: string, now: Date, events?: string): string {
  const groups = new Map<string, JobRow[]>();
  for (const row of rows) {
    const id = row.jobId || row.jobKey;
    groups.set(id, [...(groups.get(id) ?? []), row]);
  }
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const needs = (groups.get(id)?.[0]?.needs ?? []).filter((n) => groups.has(n));
    const d = needs.length ? Math.max(...needs.map((n) => depthOf(n, seen))) + 1 : 0;
    depth.set(id, d);
    return d;
  };
  const columns: string[][] = [];
  for (const id of groups.keys()) (columns[depthOf(id, new Set())] ??= []).push(id);
  const q = `?token=${encodeURIComponent(token)}`;
  const box = (id: string) => {
    const legs = groups.get(id)!;
    const needs = legs[0]!.needs;
    const items = legs
      .map((j) => {
        const took = j.startedAt ? duration((j.completedAt ?? now).getTime() - j.startedAt.getTime()) : "";
        return `<li data-job="${j.id}"><a href="/jobs/${j.id}${q}">${escapeHtml(j.name)}</a> <span class="state">${statusBadge(j.status, j.conclusion)}</span> <span class="took meta">${took}</span>${j.namespace === "default" ? "" : ` <span class="meta">${escapeHtml(j.namespace)}</span>`}</li>`;
      })
      .join("");
    return `<div class="node" data-node="${escapeHtml(id)}"><div class="node-title">${escapeHtml(id)}${legs.length > 1 ? ` <span class="meta">${legs.length} legs</span>` : ""}</div>${needs.length ? `<div class="meta">needs ${needs.map(escapeHtml).join(", ")}</div>` : ""}<ul>${items}</ul></div>`;
  };
  const html = columns
    .map((ids, i) => `<div class="column" data-depth="${i}">${(ids ?? []).map(box).join("")}</div>`)
    .join(`<div class="edge">→</div>`);
  return `<div class="graph"${events ? ` data-events="${escapeHtml(events)}"` : ""}>${html}</div>`;
}
