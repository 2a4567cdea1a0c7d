/**
 * A long job log stored as the reporter stores one — the runner's 64 KB chunks, numbered, with
 * byte offsets — for the pages and the bench that must hold to 200,000 lines. Line `i` reads
 * `line i of the long log…` (green), and every 1,000 lines form a `::group::`.
 */
import type { Db } from "../../db/client.ts";
import { logChunks } from "../../db/schema.ts";

const CHUNK_BYTES = 64 * 1024;

/** `lines` numbered lines in the runner's 64 KB chunks, as the reporter stores them. */
export async function storeLongLog(db: Db, jobId: string, lines: number): Promise<void> {
  const rows: { jobId: string; attempt: number; seq: number; offset: number; data: string }[] = [];
  let text = "";
  let offset = 0;
  const flush = () => {
    rows.push({ jobId, attempt: 1, seq: rows.length, offset, data: text });
    offset += Buffer.byteLength(text);
    text = "";
  };
  for (let i = 1; i <= lines; i++) {
    text += `${i % 1000 === 1 ? "##[group]" : ""}line ${i} \u001b[32mof the long log\u001b[0m, with some words after it\n`;
    if (i % 1000 === 0) text += "##[endgroup]\n";
    if (text.length >= CHUNK_BYTES) flush();
  }
  if (text) flush();
  for (let i = 0; i < rows.length; i += 100) await db.insert(logChunks).values(rows.slice(i, i + 100));
}
