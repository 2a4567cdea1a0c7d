/**
 * A job's log leaves the runner as numbered chunks with byte offsets (buildkite's log
 * streamer), so a viewer can reassemble, dedupe and notice gaps. Batching needs no timer:
 * one publish is in flight at a time, lines written meanwhile pile up and leave together
 * when it returns. Secrets are masked here, before a line leaves the runner.
 */
import type { Logger } from "pino";
import type { LogChunk } from "../../protocol/messages.ts";
import { maskSecrets } from "./masking.ts";

const MAX_CHUNK_BYTES = 64 * 1024;
/** GitHub's check run text holds 65,535 characters; leave room for the summary around it. */
const TAIL_CHARS = 60_000;

export interface LogStreamerOptions {
  executionId: string;
  attempt: number;
  /** The job message's claim: the bot stores only chunks that carry it. */
  claim?: string;
  /** Stores one chunk; resolves when the server acknowledged it. */
  publish(chunk: LogChunk): Promise<void>;
  logger: Logger;
  /** Strings replaced by `***` in every line. */
  secrets?: readonly string[];
  maxChunkBytes?: number;
  tailChars?: number;
}

/**
 * LogStreamer collects one job attempt's log. `line` may be called any time before
 * `close`; it never blocks and never throws. `close` sends what is left and resolves when
 * every chunk was acknowledged (or given up after one retry); `tail` is the end of the log.
 */
export interface LogStreamer {
  line(text: string): void;
  /**
   * Masks `value` in every later line (`::add-mask::`, secrets). A multi-line value is
   * masked line by line, since the log is masked one line at a time.
   */
  addMask(value: string): void;
  /** `text` with every mask applied: for what leaves the runner by another way (annotations, summary, outputs). */
  mask(text: string): string;
  /** How many lines the log has so far: the number of the line written last. */
  lines(): number;
  tail(): string;
  close(): Promise<void>;
}

export function createLogStreamer(options: LogStreamerOptions): LogStreamer {
  const maxBytes = options.maxChunkBytes ?? MAX_CHUNK_BYTES;
  const tailChars = options.tailChars ?? TAIL_CHARS;
  // Longest first, so a secret that contains another is masked whole rather than in pieces.
  const secrets: string[] = [];
  function addMask(value: string): void {
    for (const part of value.split(/\r?\n/)) {
      const trimmed = part.trim();
      if (trimmed.length === 0 || secrets.includes(trimmed)) continue;
      secrets.push(trimmed);
    }
    secrets.sort((a, b) => b.length - a.length);
  }
  for (const secret of options.secrets ?? []) addMask(secret);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let seq = 0;
  let offset = 0;
  let tail = "";
  let lines = 0;
  let pump: Promise<void> | undefined;

  async function send(data: Buffer): Promise<void> {
    const chunk: LogChunk = {
      v: 1,
      executionId: options.executionId,
      attempt: options.attempt,
      claim: options.claim ?? "",
      seq,
      offset,
      data: data.toString("utf8"),
    };
    seq += 1;
    offset += data.length;
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        await options.publish(chunk);
        return;
      } catch (error) {
        // A lost chunk is a gap the viewer can see; a crashed runner loses the whole job.
        options.logger.warn({ err: error, seq: chunk.seq, attempt }, "log chunk publish failed");
      }
    }
  }

  async function drain(): Promise<void> {
    while (pendingBytes > 0) {
      const buffer = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      for (let start = 0; start < buffer.length; ) {
        const end = utf8Boundary(buffer, Math.min(start + maxBytes, buffer.length));
        await send(buffer.subarray(start, end));
        start = end;
      }
    }
    pump = undefined;
  }

  return {
    line(text) {
      const masked = `${maskSecrets(text, secrets)}\n`;
      // A text with newlines in it is several lines of the log, as the log page counts them.
      for (let i = masked.indexOf("\n"); i !== -1; i = masked.indexOf("\n", i + 1)) lines += 1;
      tail += masked;
      if (tail.length > tailChars * 2) tail = tail.slice(-tailChars);
      const bytes = Buffer.from(masked, "utf8");
      pending.push(bytes);
      pendingBytes += bytes.length;
      pump ??= drain();
    },
    addMask,
    mask: (text) => maskSecrets(text, secrets),
    lines: () => lines,
    tail: () => (tail.length > tailChars ? tail.slice(-tailChars) : tail),
    async close() {
      while (pump) await pump;
    },
  };
}

/** Moves `end` back so a chunk never ends inside a UTF-8 character. */
function utf8Boundary(buffer: Buffer, end: number): number {
  if (end >= buffer.length) return buffer.length;
  let cut = end;
  // Continuation bytes look like 10xxxxxx; the character starts at the first byte that does not.
  while (cut > 0 && ((buffer[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut > 0 ? cut : end;
}
