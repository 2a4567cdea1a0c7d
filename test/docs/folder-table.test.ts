/**
 * docs/architecture.md's folder table is how a newcomer finds where a behaviour lives: every
 * folder of bot/ and runner/, down to their sub-folders, has a row, and every row names a
 * folder that exists.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

async function foldersUnder(top: string): Promise<string[]> {
  const found = [top];
  for (const entry of await readdir(join(ROOT, top), { withFileTypes: true })) {
    if (entry.isDirectory()) found.push(...(await foldersUnder(`${top}/${entry.name}`)));
  }
  return found;
}

it("has a row for every folder of bot/ and runner/, and no row for a folder that is gone", async () => {
  const doc = await readFile(join(ROOT, "docs/architecture.md"), "utf8");
  const table = doc.slice(doc.indexOf("## Folders"), doc.indexOf("\n## ", doc.indexOf("## Folders") + 1));
  const rows = [...table.matchAll(/^\| `([a-z0-9/_-]+)\/`/gm)].map((m) => m[1]!);
  const folders = [...(await foldersUnder("bot")), ...(await foldersUnder("runner"))];
  expect(folders.filter((f) => !rows.includes(f))).toEqual([]);
  const gone = rows.filter((r) => (r.startsWith("bot") || r.startsWith("runner")) && !folders.includes(r));
  expect(gone).toEqual([]);
});
