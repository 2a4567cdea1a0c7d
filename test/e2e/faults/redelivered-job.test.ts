/**
 * JetStream delivering a job again that already ran, or that another runner is running: what a
 * nats-server does when it stopped before writing an ack or a delivery's state. Reproduced by
 * publishing the job's own message a second time (same claim, same bytes), once after the job
 * completed and once while it runs. The steps run once: the runner asks the bot before it
 * starts (the start ask), and the bot, from Postgres, says not to.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Msg } from "@nats-io/transport-node";
import { afterAll, expect, it } from "vitest";
import { decode, JobMessage } from "../../../protocol/messages.ts";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";
import { scratchDir } from "../../helpers/scratch.ts";
import { until } from "../../helpers/until.ts";

const scratch = scratchDir("flotilla-redelivered-");

const f = flotillaSuite({
  // The copy given back "later" comes round again after one lease.
  env: { JOB_LEASE_SECONDS: "2" },
  runners: [
    { name: "first", labels: ["again"] },
    { name: "second", labels: ["again"] },
  ],
});

const published = new Map<string, Msg>();
let watch: { unsubscribe(): void } | undefined;
afterAll(() => watch?.unsubscribe());

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, "utf8").catch(() => "")).split("\n").filter(Boolean);
}

it("runs a job delivered again once: not after it completed, not while another runner runs it", async () => {
  const names = f.bot.bus.names;
  // A plain subscriber sees each job message as the bot publishes it.
  watch = f.bot.bus.nc.subscribe(`${names.prefix}.jobs.default.>`, {
    callback: (_error, msg) => {
      const job = decode(JobMessage, msg.data, "job message");
      published.set(job.jobKey, msg);
    },
  });
  const ran = join(scratch(), "ran.log");
  const { sha } = await f.pushRepository("again", "twice", {
    ".flotilla/workflows/ci.yml": [
      "on: push",
      "jobs:",
      "  quick:",
      "    runs-on: [self-hosted, again]",
      `    steps: [{ run: 'echo quick >> "${ran}"' }]`,
      "  slow:",
      "    runs-on: [self-hosted, again]",
      `    steps: [{ run: 'echo slow >> "${ran}"; sleep 4' }]`,
      "",
    ].join("\n"),
  });
  const again = async (jobKey: string) => {
    const msg = published.get(jobKey);
    if (!msg) throw new Error(`no message seen for ${jobKey}`);
    await f.bot.bus.js.publish(msg.subject, msg.data);
  };

  // While `slow` runs on one runner, its message comes again: the other runner must not start it.
  await until(async () => (await lines(ran)).includes("slow"), 60_000, "slow to start");
  await again("slow");
  const [quick] = await f.finished(sha, ["quick"], 60_000);
  expect(quick.run.conclusion).toBe("success");
  // After `quick` completed, its message comes again: nobody runs it.
  await again("quick");

  const [slow] = await f.finished(sha, ["slow"], 60_000);
  expect(slow.run.conclusion).toBe("success");
  // Both copies settled: nothing waits in or is held from the queue.
  const consumer = published.get("slow")!.subject.split(".").pop()!;
  await until(
    async () => {
      const info = await f.bot.bus.jsm.consumers.info(
        names.jobsStream("default"),
        names.jobConsumer("default", consumer),
      );
      return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= 4;
    },
    30_000,
    "the copies to be settled",
  );
  expect((await lines(ran)).sort()).toEqual(["quick", "slow"]);
  for (const record of [quick, slow]) {
    expect(record.history.filter((h) => h.body.status === "completed")).toHaveLength(1);
  }
});
