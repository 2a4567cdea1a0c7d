/**
 * `/queue`, for operators: every job waiting, grouped by namespace and labelset, oldest first,
 * with how long the oldest has waited and why — the explanation its queued check run shows
 * (which runners could take it, or that none has the labels; bot/fleet/queued-explanation.ts),
 * or, for a job not published yet, the jobs it needs. Behind the API token like `/runners`, and
 * live like it (live-table.ts): the table comes again when a job is published or a runner
 * reports on one.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Db } from "../../db/client.ts";
import type { NatsNames } from "../../protocol/names.ts";
import { jobs, runs } from "../../db/schema.ts";
import { canServe, normalizeLabels } from "../../protocol/labels.ts";
import { queuedExplanation, readFleet } from "../fleet/queued-explanation.ts";
import { pathOf, type Handler } from "../http/handler.ts";
import { escapeHtml, page, sendHtml } from "./layout.ts";
import { duration } from "./run-labels.ts";
import { streamTable } from "./live-table.ts";
import { refuseUnlessOperator, type ViewerPolicy } from "./viewer.ts";

interface Waiting {
  id: string;
  name: string;
  namespace: string;
  labels: string[];
  needs: string[];
  publishedAt: Date | null;
  createdAt: Date;
  repository: string;
  workflowName: string;
  runNumber: number;
  runId: string;
  accessToken: string;
}

export interface QueuePageOptions {
  db: Db;
  policy: ViewerPolicy;
  /** Where jobs are published and runners report; without it the page reloads itself instead. */
  bus?: { nc: NatsConnection; names: NatsNames };
}

export function queuePageHandler(options: QueuePageOptions): Handler {
  return async (req, res) => {
    const { path } = pathOf(req);
    const events = path === "/queue/events";
    if (req.method !== "GET" || (path !== "/queue" && path !== "/queue/" && !events)) return false;
    if (events && !options.bus) return false;
    if (refuseUnlessOperator(req, res, options.policy, "queue")) return true;
    if (events && options.bus) {
      const { names } = options.bus;
      streamTable(res, options.bus.nc, [`${names.prefix}.jobs.>`, names.statusFilter], async () => ({
        html: (await queueTable(options.db)).html,
      }));
      return true;
    }
    const { count, html } = await queueTable(options.db);
    const live = Boolean(options.bus);
    const body = `<h1>Queue</h1>
<p class="meta">by namespace and labels, oldest first · <a href="/runners">runners</a></p>
<div id="queue" data-live-table${live ? ` data-events="/queue/events"` : ""}>${html}</div>
${live ? `<script type="module" src="/assets/live-table.js"></script>` : ""}`;
    return sendHtml(res, 200, page(`Queue (${count})`, body, { refreshSeconds: 10, refreshWithoutScript: live }));
  };
}

/** Every waiting job, grouped, as HTML; and how many there are. */
async function queueTable(db: Db): Promise<{ count: number; html: string }> {
  const waiting: Waiting[] = await db
    .select({
      id: jobs.id,
      name: jobs.name,
      namespace: jobs.namespace,
      labels: jobs.labels,
      needs: jobs.needs,
      publishedAt: jobs.publishedAt,
      createdAt: jobs.createdAt,
      repository: runs.repository,
      workflowName: runs.workflowName,
      runNumber: runs.runNumber,
      runId: runs.id,
      accessToken: runs.accessToken,
    })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(and(eq(jobs.status, "queued"), isNull(jobs.supersededAt)))
    .orderBy(asc(jobs.createdAt));
  const fleet = await readFleet(db, [...new Set(waiting.map((w) => w.namespace))]);
  const groups = new Map<string, Waiting[]>();
  for (const job of waiting) {
    const key = `${job.namespace}\u0000${normalizeLabels(job.labels).join(",")}`;
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  const sections = [...groups.values()].map((group) => {
    const first = group[0]!;
    const labels = normalizeLabels(first.labels);
    const published = group.filter((j) => j.publishedAt);
    const why = published.length
      ? queuedExplanation(fleet, first.namespace, labels)
      : { title: "Waiting for the jobs they need", summary: "" };
    const able = fleet.runners.filter((r) => r.namespace === first.namespace && canServe(r.labels, labels)).length;
    const rows = group
      .map((j) => {
        const href = `/jobs/${j.id}?token=${encodeURIComponent(j.accessToken)}`;
        const run = `/runs/${j.runId}?token=${encodeURIComponent(j.accessToken)}`;
        const state = j.publishedAt
          ? "waiting for a runner"
          : `waiting for ${j.needs.map(escapeHtml).join(", ") || "its turn"}`;
        return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(j.name)}</a></td><td><a href="${escapeHtml(run)}">${escapeHtml(j.workflowName)} #${j.runNumber}</a> <span class="meta">${escapeHtml(j.repository)}</span></td><td>${state}</td><td class="waited">${duration(fleet.now.getTime() - j.createdAt.getTime())}</td></tr>`;
      })
      .join("");
    return `<section class="queue-group" data-namespace="${escapeHtml(first.namespace)}" data-labels="${escapeHtml(labels.join(","))}">
<h2>${escapeHtml(first.namespace)} · ${labels.length ? labels.map((l) => `<code>${escapeHtml(l)}</code>`).join(" ") : "any runner"}</h2>
<p class="meta">${group.length} waiting · the oldest for ${duration(fleet.now.getTime() - first.createdAt.getTime())} · ${able} runner${able === 1 ? "" : "s"} with these labels</p>
<p class="why"><strong>${escapeHtml(why.title)}</strong>${why.summary ? `<br>${markdownish(why.summary)}` : ""}</p>
<table><tr><th>Job</th><th>Run</th><th>State</th><th>Waited</th></tr>${rows}</table></section>`;
  });
  const html = `<p class="meta">${waiting.length} job${waiting.length === 1 ? "" : "s"} waiting</p>
${sections.join("\n") || "<p>Nothing is waiting.</p>"}`;
  return { count: waiting.length, html };
}

/** The explanation is written for a check run (markdown): code spans and paragraphs are enough here. */
function markdownish(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\n\n/g, "<br>");
}
