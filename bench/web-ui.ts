/**
 * The web UI's two speeds (issue 15): a line the runner prints → that line on an open job page
 * (its Server-Sent Events stream; goal ≤ 20 ms + one NATS round trip, p50), and the job page's
 * first byte for a 200,000-line log (goal ≤ 100 ms: the page is streamed, never built whole).
 * The bot's job handler runs over a real Postgres and NATS; the line goes through the runner's
 * own log streamer and JetStream publish, and is read by an SSE client as the browser's
 * EventSource reads it. `npx tsx bench/web-ui.ts [--lines N] [--samples N]` runs it alone.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { connectBus } from "../bot/bus/connect.ts";
import { jobPagesHandler } from "../bot/web/job-handler.ts";
import { openDb } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { jobs, runs } from "../db/schema.ts";
import { createLogStreamer } from "../runner/local-job.ts";
import { deleteStreamsOf } from "../test/helpers/nats-cleanup.ts";
import { sharedNatsUrl, uniquePrefix } from "../test/helpers/nats-server.ts";
import { storeLongLog } from "../test/helpers/long-log.ts";
import { createTestDatabase } from "../test/helpers/postgres.ts";
import { summary } from "./stats.ts";

type Percentiles = { p50: number; p90: number; p99: number };

export interface WebUiBench {
  lineToPage: Percentiles & { samples: number };
  firstByte: Percentiles & { lines: number };
  /** The whole page of that log, served. */
  wholePage: { p50: number; bytes: number };
}

const CLAIM = "bench-claim";
const TOKEN = "bench-token-of-the-web-ui";

export async function webUiBench(
  options: { natsUrl?: string; lines?: number; samples?: number } = {},
): Promise<WebUiBench> {
  const natsUrl = options.natsUrl ?? sharedNatsUrl();
  const lines = options.lines ?? 200_000;
  const samples = options.samples ?? 200;
  const prefix = uniquePrefix("webui");
  const database = await createTestDatabase();
  const handle = await openDb({ url: database.url });
  await migrate(handle, database.url);
  const bus = await connectBus(natsUrl, prefix, { name: "bench-web-ui", jobMaxAgeDays: 1 });
  const db = handle.db;
  let server: Server | undefined;
  try {
    const [run] = await db
      .insert(runs)
      .values({
        deliveryId: "bench",
        forge: "github",
        repository: "bench/web-ui",
        workflowPath: ".flotilla/workflows/ci.yml",
        workflowName: "CI",
        eventName: "push",
        sha: "b".repeat(40),
        ref: "refs/heads/main",
        accessToken: TOKEN,
      })
      .returning();
    const job = (name: string, status: "in_progress" | "completed") => ({
      runId: run!.id,
      jobKey: name,
      name,
      namespace: "default",
      labels: [],
      status,
      attempt: 1,
      claim: CLAIM,
    });
    const [live, long] = await db
      .insert(jobs)
      .values([job("live", "in_progress"), { ...job("long", "completed"), conclusion: "success" }])
      .returning();
    await storeLongLog(db, long!.id, lines);
    const handler = jobPagesHandler({ db, nc: bus.nc, names: bus.names, log: pino({ level: "silent" }) });
    server = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const lineToPage = await linesToPage(base, live!.id, bus, samples);
    const firstBytes: number[] = [];
    const whole: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const response = await fetch(`${base}/jobs/${long!.id}?token=${TOKEN}`);
      const reader = response.body!.getReader();
      let first = true;
      bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (first) firstBytes.push(performance.now() - t0);
        first = false;
        bytes += value.length;
      }
      whole.push(performance.now() - t0);
    }
    return {
      lineToPage: { ...summary(lineToPage), samples },
      firstByte: { ...summary(firstBytes), lines },
      wholePage: { p50: summary(whole).p50, bytes },
    };
  } finally {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await bus.nc.drain();
    await deleteStreamsOf(natsUrl, prefix);
    await handle.close();
    await database.drop();
  }
}

/** Each sample: a line into the runner's log streamer → its `log` event read off the page's stream. */
async function linesToPage(
  base: string,
  jobId: string,
  bus: Awaited<ReturnType<typeof connectBus>>,
  samples: number,
): Promise<number[]> {
  const streamer = createLogStreamer({
    executionId: jobId,
    attempt: 1,
    claim: CLAIM,
    publish: async (chunk) => {
      await bus.js.publish(bus.names.logsSubject("bench-runner", jobId), JSON.stringify(chunk));
    },
    logger: pino({ level: "silent" }),
  });
  const controller = new AbortController();
  const response = await fetch(`${base}/jobs/${jobId}/events?token=${TOKEN}&from=1:0:1:0`, {
    signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const seen = async (text: string) => {
    while (!buffered.includes(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended");
      buffered += value;
    }
    buffered = buffered.slice(buffered.indexOf(text) + text.length);
  };
  await seen("retry:");
  const taken: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    streamer.line(`sample ${i} printed`);
    await seen(`sample ${i} printed`);
    taken.push(performance.now() - t0);
  }
  await streamer.close();
  controller.abort();
  return taken;
}

export function formatWebUiBench(result: WebUiBench, natsRoundTripP50: number): string[] {
  const { lineToPage, firstByte, wholePage } = result;
  const f = (ms: number) => ms.toFixed(1);
  return [
    `line → open page   p50 ${f(lineToPage.p50)} ms, p90 ${f(lineToPage.p90)} ms (${lineToPage.samples} lines over SSE; goal ≤ 20 ms + NATS ${f(natsRoundTripP50)} ms: ${lineToPage.p50 <= 20 + natsRoundTripP50 ? "met" : "missed"})`,
    `job page 1st byte  p50 ${f(firstByte.p50)} ms for a ${firstByte.lines.toLocaleString("en")}-line log (goal ≤ 100 ms: ${firstByte.p50 <= 100 ? "met" : "missed"}); whole page ${f(wholePage.p50)} ms, ${(wholePage.bytes / 1e6).toFixed(1)} MB`,
  ];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, "/bench/"))) {
  const { values } = parseArgs({
    options: { lines: { type: "string", default: "200000" }, samples: { type: "string", default: "200" } },
  });
  const { natsRoundTrips } = await import("./floor.ts");
  const nats = summary(await natsRoundTrips(sharedNatsUrl(), uniquePrefix("webfloor"), 50));
  const result = await webUiBench({ lines: Number(values.lines), samples: Number(values.samples) });
  for (const line of formatWebUiBench(result, nats.p50)) console.log(line);
}
