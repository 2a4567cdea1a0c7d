/**
 * A job attempt's stored log, read in batches of chunks in order, from a byte offset on: the
 * page, the live stream's catch-up and the raw download all walk it this way, so none of them
 * holds a whole log (200,000 lines) in memory, and the first bytes leave after one batch.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { logChunks } from "../../db/schema.ts";

const BATCH = 64;

/** The log's text from byte `from` on (a chunk that starts before it is cut there), batch by batch. */
export async function* storedLog(db: Db, jobId: string, attempt: number, from = 0): AsyncGenerator<string> {
  let seq = -1;
  for (;;) {
    const rows = await db
      .select({ seq: logChunks.seq, offset: logChunks.offset, data: logChunks.data })
      .from(logChunks)
      .where(
        and(
          eq(logChunks.jobId, jobId),
          eq(logChunks.attempt, attempt),
          gt(logChunks.seq, seq),
          sql`${logChunks.offset} + octet_length(${logChunks.data}) > ${from}`,
        ),
      )
      .orderBy(asc(logChunks.seq))
      .limit(BATCH);
    if (rows.length === 0) return;
    let text = "";
    for (const row of rows) text += fromOffset(row.data, row.offset, from);
    yield text;
    seq = rows[rows.length - 1]!.seq;
    if (rows.length < BATCH) return;
  }
}

/** `data`, which starts at byte `offset` of the log, without what lies before byte `from`. */
export function fromOffset(data: string, offset: number, from: number): string {
  if (offset >= from) return data;
  return Buffer.from(data, "utf8")
    .subarray(from - offset)
    .toString("utf8");
}
