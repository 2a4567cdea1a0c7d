/**
 * An object store that is a directory, for `flotilla run`: the built-in artifact and cache
 * actions work on it exactly as on a JetStream bucket (protocol/object-stores.ts's
 * `ArchiveStore`). An object `a/b/c` is `a/b/c.json` (its ObjectInfo, description included)
 * beside `a/b/c.tar.gz` (its bytes: the built-ins store nothing but tar.gz archives), so the
 * folders read like the names — `<run>/local/dist.tar.gz` — and a later run, or a second
 * `flotilla run` at the same time, sees what this one stored.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebStream } from "node:stream/web";
import type { ArchiveStore, ObjectInfo } from "../../protocol/object-stores.ts";

const INFO = ".json";
const DATA = ".tar.gz";
/** Files being written: names we make never start with a dot, so it meets no object. */
const PARTIAL = ".partial";

/** The same words as JetStream's refusal, which the built-ins recognise (`isTaken`). */
class WrongRevision extends Error {
  override name = "WrongRevision";
}

export function directoryStore(dir: string, bucket: string): ArchiveStore {
  const pathOf = (name: string): string => {
    const parts = name.split("/");
    return join(dir, ...parts.map((part, index) => segment(part, index === parts.length - 1)));
  };

  async function info(name: string): Promise<ObjectInfo | null> {
    const text = await readFile(`${pathOf(name)}${INFO}`, "utf8").catch(() => undefined);
    return text === undefined ? null : (JSON.parse(text) as ObjectInfo);
  }

  return {
    info,

    async list() {
      const found: ObjectInfo[] = [];
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const path = join(entry.parentPath, entry.name);
        if (!entry.isFile() || !entry.name.endsWith(INFO) || relative(dir, path).startsWith(PARTIAL)) continue;
        const text = await readFile(path, "utf8").catch(() => undefined);
        if (text !== undefined) found.push(JSON.parse(text) as ObjectInfo);
      }
      return found;
    },

    async get(name) {
      const found = await info(name);
      if (!found) return null;
      const file = createReadStream(`${pathOf(name)}${DATA}`);
      // Opened before it is handed out: an object whose bytes are gone is gone.
      const opened = await new Promise<boolean>((resolve) => {
        file.once("open", () => resolve(true));
        file.once("error", () => resolve(false));
      });
      if (!opened) return null;
      const error = new Promise<Error | null>((resolve) => {
        file.once("end", () => resolve(null));
        file.once("error", resolve);
      });
      return { info: found, data: Readable.toWeb(file) as ReadableStream<Uint8Array>, error };
    },

    async put(meta, data, options = {}) {
      const path = pathOf(meta.name);
      await Promise.all([mkdir(dirname(path), { recursive: true }), mkdir(join(dir, PARTIAL), { recursive: true })]);
      const partial = join(dir, PARTIAL, randomBytes(8).toString("hex"));
      const digest = createHash("sha256");
      let size = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          digest.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      try {
        await pipeline(
          Readable.fromWeb(data as WebStream<Uint8Array>),
          counted,
          createWriteStream(`${partial}${DATA}`),
        );
        const previous = await info(meta.name);
        const expected = options.previousRevision;
        if (expected !== undefined && (previous?.revision ?? 0) !== expected)
          throw new WrongRevision(`wrong last sequence: ${previous?.revision ?? 0}`);
        const stored: ObjectInfo = {
          name: meta.name,
          ...(meta.description !== undefined ? { description: meta.description } : {}),
          bucket,
          nuid: randomBytes(11).toString("hex"),
          size,
          chunks: 1,
          digest: `SHA-256=${digest.digest("base64url")}`,
          deleted: false,
          mtime: new Date().toISOString(),
          revision: (previous?.revision ?? 0) + 1,
        };
        await writeFile(`${partial}${INFO}`, JSON.stringify(stored));
        if (expected === 0) {
          // A link fails when the name exists: of two writers racing for a new name, one wins.
          await link(`${partial}${INFO}`, `${path}${INFO}`).catch((error: NodeJS.ErrnoException) => {
            throw error.code === "EEXIST" ? new WrongRevision("wrong last sequence: the name was taken") : error;
          });
          await rename(`${partial}${DATA}`, `${path}${DATA}`);
        } else {
          await rename(`${partial}${DATA}`, `${path}${DATA}`);
          await rename(`${partial}${INFO}`, `${path}${INFO}`);
        }
        return stored;
      } finally {
        await rm(`${partial}${DATA}`, { force: true });
        await rm(`${partial}${INFO}`, { force: true });
      }
    },
  };
}

/**
 * One name segment as a file name. A cache key may hold anything but a comma: `/` and `%`
 * are escaped, no segment may start with a dot (so none is `.`, `..` or one of ours) and a
 * folder's segment holds no dot at all (so none is `x.json` beside the object `x`).
 */
function segment(part: string, last: boolean): string {
  const escaped = encodeURIComponent(part);
  if (escaped === "") return "%";
  return last ? escaped.replace(/^\./, "%2E") : escaped.replace(/\./g, "%2E");
}
