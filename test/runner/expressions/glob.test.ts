/** The file globs of `hashFiles`, as a table over a small tree. */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { globFiles } from "../../../runner/expressions/glob.ts";

describe("hashFiles globs", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "flotilla-glob-"));
    for (const file of [
      "package-lock.json",
      "a/package-lock.json",
      "a/b/c/package-lock.json",
      "a/b/x.txt",
      ".hidden/y.txt",
    ]) {
      await mkdir(join(root, file, ".."), { recursive: true });
      await writeFile(join(root, file), file);
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    [["**/package-lock.json"], ["a/b/c/package-lock.json", "a/package-lock.json", "package-lock.json"]],
    [
      ["**/package-lock.json", "!a/b/**"],
      ["a/package-lock.json", "package-lock.json"],
    ],
    [["a/b"], ["a/b/c/package-lock.json", "a/b/x.txt"]],
    [
      ["a/*/x.txt", "./.hidden/*.txt"],
      [".hidden/y.txt", "a/b/x.txt"],
    ],
    [["nothing/**"], []],
    [["!a/**"], []],
  ])("%j", async (patterns, expected) => {
    expect(await globFiles(root, patterns)).toEqual(expected);
  });
});
