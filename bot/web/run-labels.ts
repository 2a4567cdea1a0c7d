/**
 * How a run is named on every page: its ref as people say it (branch, tag, PR), how long
 * things took, and the header line that says which repository, commit and PR a page is about.
 */
import type { RunRow } from "../runs/rows.ts";
import { escapeHtml, statusBadge } from "./layout.ts";

/** A ref as people name it: the branch, the tag, the pull or merge request. */
export function refLabel(ref: string): string {
  const pull = /^refs\/pull\/(\d+)\//.exec(ref);
  if (pull) return `PR #${pull[1]}`;
  const mr = /^refs\/merge-requests\/(\d+)\//.exec(ref);
  if (mr) return `MR !${mr[1]}`;
  if (ref.startsWith("refs/tags/")) return `tag ${ref.slice("refs/tags/".length)}`;
  return ref.replace(/^refs\/heads\//, "");
}

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** The line under a page's title: repository, ref or PR, commit, what triggered it, and the run's state. */
export function runHeader(run: RunRow, token: string): string {
  const runLink = `<a href="/runs/${run.id}?token=${encodeURIComponent(token)}">${escapeHtml(run.workflowName)} #${run.runNumber}</a>`;
  return `<p class="meta run-header">${runLink} · <span class="repo">${escapeHtml(run.repository)}</span> · <span class="ref">${escapeHtml(refLabel(run.ref))}</span> · <code class="sha" title="${escapeHtml(run.sha)}">${escapeHtml(run.sha.slice(0, 12))}</code> · ${escapeHtml(run.eventName)} · ${statusBadge(run.status, run.conclusion)}</p>`;
}
