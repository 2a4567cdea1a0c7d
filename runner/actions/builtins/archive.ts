/**
 * tar.gz archives through the system `tar` (there on every Linux and macOS runner, and it
 * keeps modes and symlinks as users expect), moved in and out of an object store as files
 * in the job's temp dir, so an archive of any size never sits in memory.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebStream } from "node:stream/web";
import { execa } from "execa";
import type { ArchiveStore, ObjectInfo } from "../../../protocol/object-stores.ts";

class ArchiveError extends Error {
  override name = "ArchiveError";
}

/**
 * Writes `members` (names as tar should store them, relative to `cwd` or absolute) into a
 * new archive under `tempDir`; returns its path and size. `absolute` keeps `../` and `/`
 * names (tar's -P), which caches need for paths outside the workspace.
 */
export async function createArchive(
  tempDir: string,
  cwd: string,
  members: readonly string[],
  options: { absolute?: boolean } = {},
): Promise<{ file: string; size: number }> {
  const id = randomBytes(6).toString("hex");
  const list = join(tempDir, `_archive-${id}.list`);
  const file = join(tempDir, `_archive-${id}.tar.gz`);
  // NUL-separated: any character may appear in a file name.
  await writeFile(list, members.map((member) => `${member}\0`).join(""));
  try {
    await runTar(["-czf", file, ...(options.absolute ? ["-P"] : []), "-C", cwd, "--null", "-T", list]);
  } finally {
    await rm(list, { force: true });
  }
  return { file, size: (await stat(file)).size };
}

export async function extractArchive(file: string, dest: string, options: { absolute?: boolean } = {}): Promise<void> {
  await mkdir(dest, { recursive: true });
  await runTar(["-xzf", file, ...(options.absolute ? ["-P"] : []), "-C", dest]);
}

async function runTar(args: string[]): Promise<void> {
  const result = await execa("tar", args, { reject: false, stdin: "ignore" });
  if (result.exitCode !== 0)
    throw new ArchiveError(
      `tar ${args[0] ?? ""} failed: ${(String(result.stderr ?? "") || (result.message ?? "")).trim()}`,
    );
}

/**
 * Stores `file` as `name`. `previousRevision` 0 stores only when the name is free (or the
 * revision of a deleted object, only when it is still that): JetStream refuses otherwise.
 */
export async function putArchive(
  store: ArchiveStore,
  name: string,
  description: string,
  file: string,
  previousRevision?: number,
): Promise<ObjectInfo> {
  const data = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  return store.put({ name, description }, data, previousRevision === undefined ? {} : { previousRevision });
}

/** Writes the object `name` to a new file under `tempDir`; undefined when it is gone. */
export async function fetchArchive(store: ArchiveStore, name: string, tempDir: string): Promise<string | undefined> {
  const result = await store.get(name);
  if (!result) return undefined;
  const file = join(tempDir, `_download-${randomBytes(6).toString("hex")}.tar.gz`);
  await pipeline(Readable.fromWeb(result.data as WebStream<Uint8Array>), createWriteStream(file));
  const error = await result.error;
  if (error) {
    await rm(file, { force: true });
    throw new ArchiveError(`reading "${name}" from the object store failed: ${error.message}`, { cause: error });
  }
  return file;
}

/** True when a store refused a put because the name was taken meanwhile. */
export function isTaken(error: unknown): boolean {
  return /wrong last sequence|last sequence mismatch/i.test((error as Error)?.message ?? "");
}
