/**
 * The directory store behind `flotilla run`'s artifacts and caches keeps the promises the
 * built-ins rely on from a JetStream bucket: bytes and description come back as stored, a
 * name already taken is refused with JetStream's words, and no name — a cache key may be
 * anything but a comma — lands outside the directory or on another object's files.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import type { ReadableStream as WebStream } from "node:stream/web";
import { expect, it } from "vitest";
import { directoryStore } from "../../../cli/local/directory-store.ts";
import { scratchDir } from "../../helpers/scratch.ts";

const scratch = scratchDir("flotilla-directory-store-");

function bytes(value: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(Readable.from([Buffer.from(value)])) as ReadableStream<Uint8Array>;
}

async function read(store: ReturnType<typeof directoryStore>, name: string): Promise<string | undefined> {
  const got = await store.get(name);
  if (!got) return undefined;
  const body = await text(Readable.fromWeb(got.data as WebStream<Uint8Array>));
  expect(await got.error).toBeNull();
  return body;
}

it("stores and lists objects with their descriptions, and refuses a taken name when asked to", async () => {
  const dir = join(scratch(), "store-1");
  const store = directoryStore(dir, "test");
  expect(await store.info("run/local/app")).toBeNull();
  expect(await store.get("run/local/app")).toBeNull();
  const stored = await store.put({ name: "run/local/app", description: '{"a":1}' }, bytes("first"), {
    previousRevision: 0,
  });
  expect(stored).toMatchObject({ name: "run/local/app", description: '{"a":1}', size: 5, revision: 1 });
  expect(await read(store, "run/local/app")).toBe("first");
  await expect(
    store.put({ name: "run/local/app", description: "{}" }, bytes("second"), { previousRevision: 0 }),
  ).rejects.toThrow(/wrong last sequence/);
  expect(await read(store, "run/local/app")).toBe("first");
  // Without a revision to check, a put replaces (upload-artifact's `overwrite`).
  await store.put({ name: "run/local/app", description: '{"a":2}' }, bytes("second"));
  expect(await read(store, "run/local/app")).toBe("second");
  expect((await store.list()).map((info) => [info.name, info.description, info.revision])).toEqual([
    ["run/local/app", '{"a":2}', 2],
  ]);
});

it("keeps every name inside the directory and apart from every other", async () => {
  const dir = join(scratch(), "store-2");
  const store = directoryStore(join(dir, "inner"), "test");
  const names = ["a", "a.json", "a.json/b", "../escape", "x/../../up", "x//y", ".", "./.gitignore", "k/.partial"];
  for (const name of names) await store.put({ name, description: name }, bytes(`data of ${name}`));
  for (const name of names) expect(await read(store, name)).toBe(`data of ${name}`);
  expect((await store.list()).map((info) => info.name).sort()).toEqual([...names].sort());
  expect(await readdir(dir)).toEqual(["inner"]);
});
