/**
 * The text of one namespace's git note on a commit: a line per workflow run (its final status
 * and run page) and per job (its conclusion, log page and log tail), readable in `git log
 * --show-notes='flotilla-*'` and read back here so each write changes only its own line:
 *
 *     run flotilla/ci [lab]: success https://ci.example.com/runs/…
 *     job build [lab]: success https://ci.example.com/jobs/…
 *         last lines of the job's log
 */

export interface NoteEntry {
  kind: "run" | "job";
  /** The status context (runs) or check name (jobs): what identifies the entry on the commit. */
  name: string;
  state: string;
  url: string;
  /** Log lines, for a job. */
  lines: string[];
}

const ENTRY = /^(run|job) (.+): (\S+) (\S+)$/;
const INDENT = "    ";
/** How much of a job's log a note keeps. */
const LOG_TAIL_LINES = 20;

export function parseNote(text: string | undefined): NoteEntry[] {
  const entries: NoteEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const match = ENTRY.exec(line);
    if (match) {
      entries.push({
        kind: match[1] as NoteEntry["kind"],
        name: match[2]!,
        state: match[3]!,
        url: match[4]!,
        lines: [],
      });
      continue;
    }
    if (line.startsWith(INDENT)) entries.at(-1)?.lines.push(line.slice(INDENT.length));
  }
  return entries;
}

/** The note with `entry` in place of the entry of its kind and name (or added). */
export function withEntry(text: string | undefined, entry: NoteEntry): string {
  const others = parseNote(text).filter((e) => e.kind !== entry.kind || e.name !== entry.name);
  const all = [...others, entry].sort((a, b) =>
    a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "run" ? -1 : 1,
  );
  return `${all.map(formatEntry).join("\n")}\n`;
}

export function logLines(tail: string | undefined): string[] {
  if (!tail) return [];
  const clean = tail.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").replace(/\r/g, "");
  return clean
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-LOG_TAIL_LINES);
}

function formatEntry(entry: NoteEntry): string {
  const name = entry.name.replace(/\n/g, " ");
  const head = `${entry.kind} ${name}: ${entry.state || "unknown"} ${entry.url || "-"}`;
  return [head, ...entry.lines.map((l) => `${INDENT}${l}`)].join("\n");
}
