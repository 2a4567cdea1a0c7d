import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode, type LogChunk } from "../../../protocol/messages.ts";
import { createLogStreamer, type LogStreamer } from "../../../runner/report/log-streamer.ts";
import { logger, openBus, randomId, type Bus } from "../support.ts";

let bus: Bus;
beforeAll(async () => {
  bus = await openBus();
});
afterAll(async () => {
  await bus?.close();
});

/** A streamer of attempt 1 whose chunks are kept in `chunks` rather than published. */
function collectingStreamer(): { log: LogStreamer; chunks: LogChunk[] } {
  const chunks: LogChunk[] = [];
  const log = createLogStreamer({
    executionId: "e",
    attempt: 1,
    logger,
    publish: async (chunk) => void chunks.push(chunk),
  });
  return { log, chunks };
}

describe("the log streamer", () => {
  it("batches lines written during a publish and numbers chunks with byte offsets", async () => {
    const id = randomId("exec-");
    const js = jetstream(bus.nc);
    let publishes = 0;
    const log = createLogStreamer({
      executionId: id,
      attempt: 1,
      logger,
      publish: async (chunk) => {
        publishes += 1;
        await js.publish(bus.names.logsSubject("00000000-0000-4000-8000-000000000000", id), encode(chunk));
      },
    });
    for (let i = 0; i < 1_000; i++) log.line(`line ${i} — ünïcode`);
    await log.close();
    expect(publishes).toBeLessThan(20);
    await bus.reports.waitFor(() => bus.reports.chunks(id).length === publishes, 5_000, "chunks");
    const text = bus.reports.log(id);
    expect(text.split("\n").slice(0, -1)).toEqual(Array.from({ length: 1_000 }, (_, i) => `line ${i} — ünïcode`));
    let offset = 0;
    for (const [i, chunk] of bus.reports.chunks(id).entries()) {
      expect(chunk).toMatchObject({ seq: i, offset, attempt: 1 });
      offset += Buffer.byteLength(chunk.data);
    }
  });

  it("counts its lines as the log page numbers them, a text with newlines as several", async () => {
    const { log, chunks } = collectingStreamer();
    expect(log.lines()).toBe(0);
    log.line("one");
    log.line("two\nthree");
    log.line("");
    expect(log.lines()).toBe(4);
    await log.close();
    expect(
      chunks
        .map((c) => c.data)
        .join("")
        .split("\n")
        .slice(0, -1),
    ).toHaveLength(log.lines());
  });

  it("keeps chunks under 64 KiB without splitting characters, and a bounded tail", async () => {
    const { log, chunks } = collectingStreamer();
    const line = "é".repeat(50_000);
    for (let i = 0; i < 4; i++) log.line(line);
    await log.close();
    for (const chunk of chunks) {
      expect(Buffer.byteLength(chunk.data)).toBeLessThanOrEqual(64 * 1024);
      expect(chunk.data).not.toContain("\uFFFD");
    }
    expect(chunks.map((c) => c.data).join("")).toBe(`${line}\n`.repeat(4));
    expect(log.tail().length).toBe(60_000);
    expect(log.tail().endsWith(`${line}\n`.slice(-59_000))).toBe(true);
  });

  it("masks secrets and survives a failing publish with one retry", async () => {
    const chunks: LogChunk[] = [];
    let failures = 1;
    const log = createLogStreamer({
      executionId: "e",
      attempt: 2,
      logger,
      secrets: ["hunter2"],
      publish: async (chunk) => {
        if (failures-- > 0) throw new Error("publish timed out");
        chunks.push(chunk);
      },
    });
    log.line("password is hunter2!");
    await log.close();
    expect(chunks.map((c) => c.data)).toEqual(["password is ***!\n"]);
    expect(log.tail()).not.toContain("hunter2");
  });

  it("masks a multi-line secret line by line, the longest mask first, and in text that leaves another way", async () => {
    const { log, chunks } = collectingStreamer();
    log.addMask("-----BEGIN KEY-----\r\n  abc123def456  \n\n-----END KEY-----\n");
    log.addMask("abc123");
    for (const line of ["-----BEGIN KEY-----", "abc123def456", "x abc123 y", "-----END KEY-----"]) log.line(line);
    await log.close();
    expect(chunks.map((c) => c.data).join("")).toBe("***\n***\nx *** y\n***\n");
    expect(log.mask("summary: abc123def456 and -----END KEY-----")).toBe("summary: *** and ***");
  });
});
