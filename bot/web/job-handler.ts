/**
 * `/jobs/:id` and what hangs off it — the page, its live stream (`/events`) and the raw log
 * (`/log.txt`) — behind the run's token.
 */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { Db } from "../../db/client.ts";
import type { Handler } from "../http/handler.ts";
import { jobPath, jobWithToken } from "./job-access.ts";
import { type JobEventsDeps, sendJobEvents } from "./job-events.ts";
import { sendJobPage } from "./job-page.ts";
import { page } from "./layout.ts";
import { storedLog } from "./log-chunks.ts";

export function jobPagesHandler(deps: JobEventsDeps): Handler {
  return async (req, res) => {
    const asked = jobPath(req);
    if (!asked) return false;
    const token = asked.query.get("token") ?? "";
    const found = await jobWithToken(deps.db, asked.jobId, token);
    if (!found) {
      res
        .writeHead(404, { "content-type": "text/html; charset=utf-8" })
        .end(page("Not found", "<h1>Not found</h1><p>No such job, or the link is incomplete.</p>"));
      return true;
    }
    if (asked.view === "page") await sendJobPage(deps.db, res, found.job, found.run, token);
    else if (asked.view === "events") await sendJobEvents(deps, req, res, found.job, token, asked.query.get("from"));
    else await sendRawLog(deps.db, res, found.job.id, found.job.attempt);
    return true;
  };
}

/** The attempt's log as the runner wrote it (masked there), streamed chunk batch by batch. */
async function sendRawLog(db: Db, res: ServerResponse, jobId: string, attempt: number): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/plain; charset=utf-8",
    "content-disposition": `attachment; filename="job-${jobId}-attempt-${attempt}.log.txt"`,
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
  });
  for await (const text of storedLog(db, jobId, attempt)) {
    if (res.destroyed) return;
    if (!res.write(text)) await Promise.race([once(res, "drain"), once(res, "close")]);
  }
  res.end();
}
