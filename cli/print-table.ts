/** A plain column-aligned table for terminal output (`flotilla runners`, `flotilla namespace list`). */
export function printTable(header: string[], rows: string[][], print: (line: string) => void = console.log): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of [header, ...rows])
    print(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
}
