/**
 * `/` once Flotilla is set up: the recent runs of every repository and forge, newest first,
 * as plain HTML — the filter is a GET form and the pages are links, so it all works without
 * JavaScript. Each row opens its run's page (the run's token is in the link, as in a check
 * run's "Details"); anonymous viewers get public repositories' runs only (see viewer.ts).
 */
import { ago } from "../fleet/runner-state.ts";
import type { RunRow } from "../runs/rows.ts";
import { escapeHtml, page, statusBadge } from "./layout.ts";
import { duration, refLabel } from "./run-labels.ts";
import { RUN_STATUSES, type RunsPage, type RunsQuery } from "./runs-query.ts";

export interface RunsView {
  page: RunsPage;
  query: Pick<RunsQuery, "repository" | "status">;
  repositories: string[];
  operator: boolean;
  /** Whether there is a token to sign in with. */
  signIn: boolean;
  now: Date;
}

export function runsPage(view: RunsView): string {
  const { page: list, query, now } = view;
  const rows = list.runs.map((run) => runRow(run, now)).join("");
  const table = list.runs.length
    ? `<table class="runs"><thead><tr><th>Status</th><th>Workflow</th><th>Repository</th><th>Branch or PR</th><th>Commit</th><th>Trigger</th><th>Duration</th><th>Started</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="empty">${query.repository || query.status ? "No runs match." : "No runs yet."}</p>`;
  const link = (key: "before" | "after", id: string | undefined, label: string, rel: string) =>
    id ? `<a rel="${rel}" href="/?${escapeHtml(withQuery(query, { [key]: id }))}">${label}</a>` : "";
  const pager = [link("after", list.previous, "← Newer", "prev"), link("before", list.next, "Older →", "next")]
    .filter(Boolean)
    .join(" · ");
  const seen = view.operator
    ? "every repository"
    : view.signIn
      ? `public repositories only: <a href="/?signin=1">sign in</a> with the API token to see private ones`
      : "public repositories only";
  const body = `<h1>Runs</h1>
<p class="meta">Newest first · ${seen} · <a href="/setup">add a repository</a></p>
${filterForm(query, view.repositories)}
${table}
<p class="pager">${pager}</p>`;
  return page("Runs", body, { refreshSeconds: list.runs.some((r) => r.status !== "completed") ? 10 : undefined });
}

function filterForm(query: RunsView["query"], repositories: string[]): string {
  const option = (value: string, label: string, selected: boolean) =>
    `<option value="${escapeHtml(value)}"${selected ? " selected" : ""}>${escapeHtml(label)}</option>`;
  const repos = [option("", "all repositories", !query.repository)]
    .concat(repositories.map((r) => option(r, r, r === query.repository)))
    .join("");
  const statuses = [option("", "any status", !query.status)]
    .concat(RUN_STATUSES.map((s) => option(s, s.replace("_", " "), s === query.status)))
    .join("");
  return `<form method="get" action="/" class="filter">
<label>Repository <select name="repository">${repos}</select></label>
<label>Status <select name="status">${statuses}</select></label>
<button type="submit">Filter</button>
</form>`;
}

function runRow(run: RunRow, now: Date): string {
  const href = `/runs/${run.id}?token=${encodeURIComponent(run.accessToken)}`;
  const started = run.createdAt;
  const end = run.completedAt ?? now;
  return `<tr data-run="${run.id}"><td>${statusBadge(run.status, run.conclusion)}</td><td><a href="${escapeHtml(href)}">${escapeHtml(run.workflowName)} #${run.runNumber}</a></td><td>${escapeHtml(run.repository)}</td><td>${escapeHtml(refLabel(run.ref))}</td><td><code>${escapeHtml(run.sha.slice(0, 7))}</code></td><td>${escapeHtml(run.eventName)}</td><td>${duration(end.getTime() - started.getTime())}${run.completedAt ? "" : " so far"}</td><td title="${started.toISOString()}">${ago(started, now)}</td></tr>`;
}

function withQuery(query: RunsView["query"], extra: Record<string, string>): string {
  const params = new URLSearchParams();
  if (query.repository) params.set("repository", query.repository);
  if (query.status) params.set("status", query.status);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}
