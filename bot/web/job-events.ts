/**
 * `/jobs/:id/events`: a job's log as Server-Sent Events, live. The stream listens on the
 * runner's own subjects (`logs.*.<job>`, `status.*.<job>`) — a plain NATS subscription sees
 * every chunk the JetStream stream stores, on whichever bot the page was opened — so a line
 * reaches the page as it reaches the reporter, with no polling and no timer. It starts where
 * the page (or the previous connection) stopped: each event's id is the log cursor after it,
 * which the browser sends back as `Last-Event-ID` when it reconnects, and what was stored
 * meanwhile is read from Postgres first. Chunks are deduplicated by byte offset, so no line
 * comes twice. What it sends was masked by the runner before it left it, like every log.
 *
 * Events: `log` (the next lines, as log-lines.ts renders them), `step` (a step's row, as it
 * starts or ends), `done` (the job's result; the stream ends), `attempt` (a newer attempt
 * began: the page reloads to show it).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { decode, LogChunk, RunnerEvent } from "../../protocol/messages.ts";
import type { NatsNames } from "../../protocol/names.ts";
import type { JobRow } from "../runs/rows.ts";
import { jobWithToken } from "./job-access.ts";
import { statusBadge } from "./layout.ts";
import { createLineReader, formatCursor, type LineReader, parseCursor } from "./log-lines.ts";
import { fromOffset, storedLog } from "./log-chunks.ts";
import { stepRow } from "./job-page.ts";

export interface JobEventsDeps {
  db: Db;
  nc: NatsConnection;
  names: NatsNames;
  log: Logger;
}

export async function sendJobEvents(
  deps: JobEventsDeps,
  req: IncomingMessage,
  res: ServerResponse,
  job: JobRow,
  token: string,
  from: string | null,
): Promise<void> {
  const lastEventId = req.headers["last-event-id"];
  const start = parseCursor(typeof lastEventId === "string" ? lastEventId : from) ?? {
    attempt: job.attempt,
    offset: 0,
    line: 1,
    depth: 0,
  };
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    "x-accel-buffering": "no",
  });
  res.write("retry: 1000\n\n");
  if (start.attempt !== job.attempt) return void res.end(event("attempt", job.attempt));

  // Subscribed before Postgres is read, so nothing falls between what is stored and what comes.
  const pending: { subject: string; data: Uint8Array }[] = [];
  let onMessage: ((m: { subject: string; data: Uint8Array }) => void) | undefined;
  const subs: Subscription[] = [deps.names.logsSubject("*", job.id), deps.names.statusSubject("*", job.id)].map(
    (subject) =>
      deps.nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error) return;
          const m = { subject: msg.subject, data: msg.data };
          if (onMessage) onMessage(m);
          else pending.push(m);
        },
      }),
  );
  const stop = () => {
    for (const sub of subs) sub.unsubscribe();
    if (!res.writableEnded) res.end();
  };
  res.on("close", stop);

  const stream = new JobStream(res, createLineReader(start), job, (from, to) => storedSpan(deps.db, job, from, to));
  let at = start.offset;
  for await (const text of storedLog(deps.db, job.id, job.attempt, start.offset)) {
    if (res.destroyed) return;
    stream.lines(text, at);
    at += Buffer.byteLength(text);
  }
  // Finished before we subscribed: everything it wrote is stored by now (the reporter applies a job's reports in order).
  const now = await jobWithToken(deps.db, job.id, token);
  if (!now || now.job.attempt !== job.attempt) {
    res.write(event("attempt", now?.job.attempt ?? 0));
    return stop();
  }
  if (now.job.status === "completed") {
    stream.done(now.job);
    return stop();
  }

  let chain = Promise.resolve();
  onMessage = (m) => {
    chain = chain
      .then(() => stream.message(m.subject.startsWith(`${deps.names.prefix}.logs.`), m.data))
      .then((finished) => {
        if (finished) stop();
      })
      .catch((error: unknown) => deps.log.warn({ err: error, job: job.id }, "live log message not sent"));
  };
  for (const m of pending.splice(0)) onMessage(m);
}

/** What one connection has sent: the cursor, so a chunk seen twice (stored and live) is sent once. */
class JobStream {
  constructor(
    private readonly res: ServerResponse,
    private readonly reader: LineReader,
    private readonly job: JobRow,
    /** The stored log from byte `from` on, once it holds byte `to`: what a live chunk skipped. */
    private readonly stored: (from: number, to: number) => Promise<string>,
  ) {
    this.received = reader.cursor().offset;
  }

  /** Bytes of the log pushed into the reader, a line not yet ended included. */
  private received: number;

  /** Log text that starts at byte `offset`; only what lies past what was received is taken. */
  lines(text: string, offset: number): void {
    const end = offset + Buffer.byteLength(text);
    if (end <= this.received) return;
    const fresh = fromOffset(text, offset, this.received);
    this.received = end;
    const items = this.reader.push(fresh);
    if (items.length) this.res.write(event("log", items, formatCursor(this.reader.cursor())));
  }

  /** A message from the runner; true once the job is over. */
  async message(isLog: boolean, data: Uint8Array): Promise<boolean> {
    if (isLog) {
      const chunk = decode(LogChunk, data, "log chunk");
      if (chunk.attempt !== this.job.attempt || !this.fromHolder(chunk.claim)) return false;
      // Published before we subscribed, stored after we read: the reporter has it, or will in a moment.
      if (chunk.offset > this.received) this.lines(await this.stored(this.received, chunk.offset), this.received);
      this.lines(chunk.data, chunk.offset);
      return false;
    }
    const report = decode(RunnerEvent, data, "runner event");
    if (!this.fromHolder(report.claim)) return false;
    if (report.attempt > this.job.attempt) {
      this.res.write(event("attempt", report.attempt));
      return true;
    }
    if (report.attempt < this.job.attempt) return false;
    if (report.type === "step") {
      const at = report.status === "completed" ? { completedAt: report.at } : { startedAt: report.at };
      const known = this.job.steps.find((s) => s.index === report.index);
      const step = { ...known, index: report.index, name: report.name, status: report.status, ...at };
      if (report.conclusion) Object.assign(step, { conclusion: report.conclusion });
      this.job.steps = [...this.job.steps.filter((s) => s.index !== report.index), step];
      this.res.write(event("step", { index: report.index, html: stepRow(step) }));
      return false;
    }
    if (report.type !== "completed") return false;
    for (const s of report.steps)
      this.res.write(event("step", { index: s.index, html: stepRow({ ...s, status: "completed" }) }));
    this.done({ ...this.job, status: "completed", conclusion: report.conclusion });
    return true;
  }

  done(job: Pick<JobRow, "status" | "conclusion">): void {
    const items = this.reader.flush();
    if (items.length) this.res.write(event("log", items, formatCursor(this.reader.cursor())));
    this.res.write(event("done", { html: statusBadge(job.status, job.conclusion) }));
  }

  private fromHolder(claim: string): boolean {
    return this.job.claim === null || claim === this.job.claim;
  }
}

const GAP_TRIES = 20;
const GAP_WAIT_MS = 50;

/**
 * The stored log from `from`, waiting (only in the race above, never for a line in order) until
 * the reporter has stored it up to `to`; what is still missing then is a gap the page shows.
 */
async function storedSpan(db: Db, job: JobRow, from: number, to: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    let text = "";
    for await (const part of storedLog(db, job.id, job.attempt, from)) text += part;
    if (from + Buffer.byteLength(text) >= to || attempt === GAP_TRIES) return text;
    await new Promise((resolve) => setTimeout(resolve, GAP_WAIT_MS));
  }
}

function event(name: string, data: unknown, id?: string): string {
  return `event: ${name}\n${id ? `id: ${id}\n` : ""}data: ${JSON.stringify(data)}\n\n`;
}
