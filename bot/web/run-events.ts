/**
 * `/runs/:id/events`: the states of a run's jobs as Server-Sent Events, so an open run page
 * changes as its jobs start and finish without reloading. Like the job page's stream it listens
 * on the runners' own status subjects, one per job of the run (`status.*.<job>`), from any bot.
 * Events: `job` (a job's state, as the page draws it), `done` (every job finished; it ends).
 */
import type { Subscription } from "@nats-io/transport-node";
import { and, eq, isNull } from "drizzle-orm";
import { jobs, runs } from "../../db/schema.ts";
import { decode, RunnerEvent } from "../../protocol/messages.ts";
import { pathOf, type Handler } from "../http/handler.ts";
import type { JobEventsDeps } from "./job-events.ts";
import { statusBadge } from "./layout.ts";
import { tokenMatches } from "./pages.ts";

const EVENTS_PATH = /^\/runs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/events$/i;

export function runEventsHandler(deps: JobEventsDeps): Handler {
  return async (req, res) => {
    if (req.method !== "GET") return false;
    const { path, query } = pathOf(req);
    const match = EVENTS_PATH.exec(path);
    if (!match) return false;
    const [run] = await deps.db.select().from(runs).where(eq(runs.id, match[1]!.toLowerCase()));
    if (!run || !tokenMatches(run.accessToken, query.get("token") ?? "")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      return true;
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    res.write("retry: 1000\n\n");
    const subs: Subscription[] = [];
    const stop = () => {
      for (const sub of subs) sub.unsubscribe();
      if (!res.writableEnded) res.end();
    };
    res.on("close", stop);
    // Subscribed before the rows are read: a change between the two is sent, not lost.
    const rows = () =>
      deps.db
        .select({ id: jobs.id, status: jobs.status, conclusion: jobs.conclusion, claim: jobs.claim })
        .from(jobs)
        .where(and(eq(jobs.runId, run.id), isNull(jobs.supersededAt)));
    const open = new Set<string>();
    const finish = () => {
      res.write("event: done\ndata: {}\n\n");
      stop();
    };
    const send = (id: string, status: string, conclusion: string | null) => {
      if (!open.has(id) || res.writableEnded) return;
      res.write(`event: job\ndata: ${JSON.stringify({ id, html: statusBadge(status, conclusion) })}\n\n`);
      if (status !== "completed") return;
      open.delete(id);
      if (open.size === 0) finish();
    };
    const current = await rows();
    for (const job of current) {
      if (job.status !== "completed") open.add(job.id);
      subs.push(
        deps.nc.subscribe(deps.names.statusSubject("*", job.id), {
          callback: (error, msg) => {
            if (error) return;
            try {
              const report = decode(RunnerEvent, msg.data, "runner event");
              if (job.claim !== null && report.claim !== job.claim) return;
              if (report.type === "started") send(job.id, "in_progress", null);
              if (report.type === "completed") send(job.id, "completed", report.conclusion);
            } catch (err) {
              deps.log.warn({ err, run: run.id }, "run page event not sent");
            }
          },
        }),
      );
    }
    // What changed before the subscriptions: the state as stored now.
    for (const job of await rows()) send(job.id, job.status, job.conclusion);
    if (open.size === 0 && !res.writableEnded) finish();
    return true;
  };
}
