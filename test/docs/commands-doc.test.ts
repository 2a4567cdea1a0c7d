/**
 * docs/commands.md shows the same commands table as `/help`: both come from the registry, so
 * a command added, renamed or reworded there fails here until the docs say the same. Cells are
 * compared, not text, so Biome may lay the table out as it likes.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";
import { commandTable } from "../../bot/commands/help-text.ts";

const ROOT = join(import.meta.dirname, "../..");

/** The cells of the first Markdown table in `text`, the separator row left out. */
function firstTable(text: string): string[][] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("|"));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith("|"));
  return lines
    .slice(start, end === -1 ? undefined : end)
    .map((row) =>
      row
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    )
    .filter((cells) => !cells.every((c) => /^:?-+:?$/.test(c)));
}

it("has the commands table /help replies with", async () => {
  const doc = await readFile(join(ROOT, "docs/commands.md"), "utf8");
  const section = doc.slice(doc.indexOf("\n## Commands\n"), doc.indexOf("\n## ", doc.indexOf("\n## Commands\n") + 1));
  expect(firstTable(section)).toEqual(firstTable(commandTable()));
});

it("keeps the sections the rest of issue 11 fills in", async () => {
  const doc = await readFile(join(ROOT, "docs/commands.md"), "utf8");
  const headings = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
  expect(headings).toEqual(
    expect.arrayContaining(["Re-run and cancel buttons", "Fork pull requests", "The failure summary"]),
  );
});
