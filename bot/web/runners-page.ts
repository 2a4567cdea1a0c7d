/**
 * `/runners`: the fleet, read-only, for operators. The page shows every runner's labels and
 * what it runs (with links to those logs), so it asks for the bot's API token: the browser's
 * own login prompt (HTTP Basic, any user name, the token as password), or — under `flotilla
 * dev` — a browser on this machine (viewer.ts). Otherwise the page does not exist.
 */
import type { Db } from "../../db/client.ts";
import { listRunners, type RunnerView } from "../fleet/list-runners.ts";
import { ago, RUNNER_OFFLINE_AFTER_MS } from "../fleet/runner-state.ts";
import { pathOf, type Handler } from "../http/handler.ts";
import { escapeHtml, page, sendHtml } from "./layout.ts";
import { refuseUnlessOperator, type ViewerPolicy } from "./viewer.ts";

export function runnersPageHandler(options: { db: Db; policy: ViewerPolicy; publicUrl: string }): Handler {
  return async (req, res) => {
    const { path, query } = pathOf(req);
    if (req.method !== "GET" || (path !== "/runners" && path !== "/runners/")) return false;
    if (refuseUnlessOperator(req, res, options.policy, "runners")) return true;
    const all = query.get("all") === "true";
    const now = new Date();
    const runners = await listRunners(options.db, { all, publicUrl: options.publicUrl, now });
    return sendHtml(res, 200, runnersPage(runners, now, all));
  };
}

function runnersPage(runners: RunnerView[], now: Date, all: boolean): string {
  const rows = runners
    .map((r) => {
      const jobs = r.jobs
        .map(
          (j) =>
            `<a href="${escapeHtml(j.url)}">${escapeHtml(j.name)}</a> <span class="meta">${escapeHtml(j.repository)} · ${escapeHtml(j.workflow)} #${j.runNumber}</span>`,
        )
        .join("<br>");
      const slots =
        r.concurrency > 1 && r.state !== "offline" && r.state !== "removed"
          ? ` <span class="meta">${r.jobs.length}/${r.concurrency} jobs</span>`
          : "";
      return `<tr><td>${escapeHtml(r.name)}</td><td>${escapeHtml(r.namespace)}</td><td>${r.labels.map((l) => `<code>${escapeHtml(l)}</code>`).join(" ")}</td><td>${escapeHtml(r.version)}</td><td><span class="${STATE_CLASS[r.state]}">${r.state}</span>${slots}</td><td>${jobs}</td><td title="${escapeHtml(r.lastSeenAt ?? "")}">${ago(r.lastSeenAt ? new Date(r.lastSeenAt) : null, now)}</td></tr>`;
    })
    .join("");
  const table = runners.length
    ? `<table><tr><th>Name</th><th>Namespace</th><th>Labels</th><th>Version</th><th>State</th><th>Current job</th><th>Last seen</th></tr>${rows}</table>`
    : "<p>No runners yet. Register one with <code>flotilla runner register</code>, then <code>flotilla runner start</code>.</p>";
  const body = `<h1>Runners</h1>
<p class="meta">${runners.length} runner${runners.length === 1 ? "" : "s"} · a runner is offline ${RUNNER_OFFLINE_AFTER_MS / 1000} s after its last heartbeat · ${all ? `<a href="/runners">hide removed runners</a>` : `<a href="/runners?all=true">show removed runners</a>`}</p>
${table}`;
  return page("Runners", body, { refreshSeconds: 10 });
}

/** Reuses the log pages' colours: green idle, amber busy, grey gone. */
const STATE_CLASS: Record<RunnerView["state"], string> = {
  online: "success",
  busy: "in_progress",
  offline: "cancelled",
  removed: "skipped",
};
