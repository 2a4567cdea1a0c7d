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

/** The box geometry, in CSS pixels; layout.ts's `.node` rules hold the boxes to it. */
const NODE_WIDTH = 220;
const COLUMN_GAP = 48;
const NODE_GAP = 8;
/** Every line in a box (title, needs, each leg) is this tall… */
const LINE = 20;
/** …plus borders, paddings and the list's top margin. */
const NODE_FRAME = 2 + 12 + 4;

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
  // Every box's size is fixed here (one line per leg), so the server knows where each box
  // stands and can draw the edges itself: the graph reads the same without scripts.
  const place = new Map<string, { x: number; y: number; height: number }>();
  columns.forEach((ids, i) => {
    let y = 0;
    for (const id of ids ?? []) {
      const legs = groups.get(id)!;
      const height = NODE_FRAME + LINE * (1 + (legs[0]!.needs.length ? 1 : 0) + legs.length);
      place.set(id, { x: i * (NODE_WIDTH + COLUMN_GAP), y, height });
      y += height + NODE_GAP;
    }
  });
  const box = (id: string) => {
    const legs = groups.get(id)!;
    const needs = legs[0]!.needs;
    const items = legs
      .map((j) => {
        const took = j.startedAt ? duration((j.completedAt ?? now).getTime() - j.startedAt.getTime()) : "";
        return `<li data-job="${j.id}"><a href="/jobs/${j.id}${q}">${escapeHtml(j.name)}</a> <span class="state">${statusBadge(j.status, j.conclusion)}</span> <span class="took meta">${took}</span>${j.namespace === "default" ? "" : ` <span class="meta">${escapeHtml(j.namespace)}</span>`}</li>`;
      })
      .join("");
    return `<div class="node" data-node="${escapeHtml(id)}" style="height:${place.get(id)!.height}px"><div class="node-title">${escapeHtml(id)}${legs.length > 1 ? ` <span class="meta">${legs.length} legs</span>` : ""}</div>${needs.length ? `<div class="meta">needs ${needs.map(escapeHtml).join(", ")}</div>` : ""}<ul>${items}</ul></div>`;
  };
  const html = columns
    .map((ids, i) => `<div class="column" data-depth="${i}">${(ids ?? []).map(box).join("")}</div>`)
    .join("");
  const edges: string[] = [];
  for (const [id, legs] of groups) {
    const to = place.get(id)!;
    for (const need of new Set(legs[0]!.needs)) {
      const from = place.get(need);
      if (!from) continue;
      const [x0, y0] = [from.x + NODE_WIDTH, from.y + from.height / 2];
      const [x1, y1] = [to.x, to.y + to.height / 2];
      const bend = COLUMN_GAP / 2;
      edges.push(
        `<path class="edge" data-from="${escapeHtml(need)}" data-to="${escapeHtml(id)}" d="M${x0} ${y0} C${x0 + bend} ${y0} ${x1 - bend} ${y1} ${x1} ${y1}" marker-end="url(#arrow)"/>`,
      );
    }
  }
  const width = Math.max(0, columns.length * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP);
  const height = Math.max(0, ...[...place.values()].map((p) => p.y + p.height));
  const svg = `<svg class="edges" width="${width}" height="${height}" aria-hidden="true"><defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto"><path d="M0 0 L8 4 L0 8 z"/></marker></defs>${edges.join("")}</svg>`;
  return `<div class="graph"${events ? ` data-events="${escapeHtml(events)}"` : ""}>${svg}${html}</div>`;
}
