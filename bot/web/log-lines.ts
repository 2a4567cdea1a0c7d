/**
 * A job's log as numbered lines, read chunk by chunk: the one renderer behind the page as
 * served (readable without JavaScript) and the live stream (the same lines as they come), so
 * both number, colour and fold alike. A `LogCursor` says where reading stands — bytes of
 * whole lines read, the next line's number, how many `::group::` sections are open — and is
 * what a reconnecting stream resumes from (its SSE event id), so a line is never sent twice.
 */
import { AnsiUp } from "ansi_up";

export interface LogCursor {
  attempt: number;
  /** Bytes of the log taken as whole lines. */
  offset: number;
  /** The number of the next line (the first is 1). */
  line: number;
  /** `::group::` sections opened and not closed yet. */
  depth: number;
}

/** One line: plain, a group's title (it opens a fold), a step's header, or the end of a group. */
export type LogItem = { kind: "line" | "group"; n: number; html: string } | { kind: "end"; n: number };

export function formatCursor(c: LogCursor): string {
  return `${c.attempt}:${c.offset}:${c.line}:${c.depth}`;
}

export function parseCursor(text: string | undefined | null): LogCursor | undefined {
  const m = /^(\d{1,9}):(\d{1,15}):(\d{1,9}):(\d{1,4})$/.exec(text ?? "");
  if (!m) return undefined;
  return { attempt: Number(m[1]), offset: Number(m[2]), line: Number(m[3]), depth: Number(m[4]) };
}

export interface LineReader {
  /** Log text that starts where the cursor stands; returns the whole lines it completed. */
  push(text: string): LogItem[];
  /** The line without its newline yet (the job ended): taken as a line. */
  flush(): LogItem[];
  cursor(): LogCursor;
}

export function createLineReader(start: LogCursor): LineReader {
  const ansi = new AnsiUp();
  ansi.use_classes = false;
  const at = { ...start };
  let partial = "";
  function take(line: string): LogItem {
    const n = at.line++;
    if (line.startsWith("##[group]")) {
      at.depth++;
      return { kind: "group", n, html: lineHtml(n, ansi.ansi_to_html(line.slice("##[group]".length))) };
    }
    if (line.startsWith("##[endgroup]") && at.depth > 0) {
      at.depth--;
      return { kind: "end", n };
    }
    const html = ansi.ansi_to_html(line);
    return { kind: "line", n, html: lineHtml(n, line.startsWith("▶ ") ? `<span class="step">${html}</span>` : html) };
  }
  return {
    push(text) {
      const parts = (partial + text).split("\n");
      partial = parts.pop() ?? "";
      return parts.map((line) => {
        at.offset += Buffer.byteLength(line) + 1;
        return take(line);
      });
    },
    flush() {
      if (!partial) return [];
      const line = partial;
      partial = "";
      at.offset += Buffer.byteLength(line);
      return [take(line)];
    },
    cursor: () => ({ ...at }),
  };
}

/** A line with its number as a permalink (`#L12`); the number is drawn by CSS so copying the log copies no numbers. */
function lineHtml(n: number, html: string): string {
  return `<span class="l" id="L${n}"><a class="n" href="#L${n}" data-n="${n}"></a>${html}</span>`;
}

/** The items as served HTML: a group is a `<details>` fold, closed, as on GitHub. */
export function itemsHtml(items: LogItem[]): string {
  let html = "";
  for (const item of items) {
    if (item.kind === "end") html += "</details>";
    else if (item.kind === "group") html += `<details class="g"><summary>${item.html}</summary>`;
    else html += `${item.html}\n`;
  }
  return html;
}
