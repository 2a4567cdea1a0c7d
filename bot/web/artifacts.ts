/**
 * A run's artifacts on its page, their download, and retention: an artifact past its
 * `expiresAt` is deleted when a listing meets it and by an hourly sweep (the bucket's age
 * limit is only the 90-day backstop). Downloads carry the run's token like the pages do.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebStream } from "node:stream/web";
import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { runs } from "../../db/schema.ts";
import {
  ArtifactInfo,
  artifactObjectName,
  describedAs,
  isExpired,
  type ObjectStore,
} from "../../protocol/object-stores.ts";
import { pathOf, type Handler } from "../http/handler.ts";
import { escapeHtml, page } from "./layout.ts";
import { tokenMatches } from "./pages.ts";

const DOWNLOAD_PATH = /^\/runs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/artifacts\/([^/]+)$/i;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/** The run's live artifacts, every namespace, oldest first; expired ones met here are deleted. */
async function listRunArtifacts(store: ObjectStore, runId: string, log?: Logger): Promise<ArtifactInfo[]> {
  const live: ArtifactInfo[] = [];
  for (const object of await store.list()) {
    const artifact = describedAs(ArtifactInfo, object);
    if (!artifact || artifact.runId !== runId) continue;
    if (isExpired(artifact))
      await store
        .delete(object.name)
        .catch((error: unknown) => log?.warn({ err: error, artifact: object.name }, "expired artifact not deleted"));
    else live.push(artifact);
  }
  return live.sort((a, b) => a.uploadedAt.localeCompare(b.uploadedAt) || a.name.localeCompare(b.name));
}

/** The "Artifacts" section of a run page (empty when the run has none). */
export async function artifactsSection(
  store: ObjectStore,
  runId: string,
  token: string,
  log?: Logger,
): Promise<string> {
  let artifacts: ArtifactInfo[];
  try {
    artifacts = await listRunArtifacts(store, runId, log);
  } catch (error) {
    // The jobs and logs still show when the object store cannot be read.
    log?.warn({ err: error, run: runId }, "artifacts not listed");
    return "<h2>Artifacts</h2><p>The artifacts cannot be listed right now.</p>";
  }
  if (artifacts.length === 0) return "";
  const rows = artifacts
    .map(
      (a) =>
        `<tr><td><a href="${escapeHtml(downloadPath(runId, a, token))}">${escapeHtml(a.name)}</a></td><td>${escapeHtml(formatSize(a.size))}</td><td>${escapeHtml(a.jobKey)}</td><td>${escapeHtml(a.namespace)}</td><td>${escapeHtml(a.expiresAt.slice(0, 10))}</td></tr>`,
    )
    .join("");
  return `<h2>Artifacts</h2>\n<table><tr><th>Name</th><th>Size</th><th>Uploaded by</th><th>Namespace</th><th>Expires</th></tr>${rows}</table>`;
}

/** `GET /runs/:id/artifacts/:name?token=[&namespace=]`: the tar.gz as an attachment. */
export function artifactDownloadHandler(db: Db, store: ObjectStore, log: Logger): Handler {
  return async (req, res) => {
    if (req.method !== "GET") return false;
    const { path, query } = pathOf(req);
    const match = DOWNLOAD_PATH.exec(path);
    if (!match) return false;
    const runId = match[1]!.toLowerCase();
    const name = safeDecode(match[2]!);
    const namespace = query.get("namespace") || "default";
    const [run] = await db.select({ accessToken: runs.accessToken }).from(runs).where(eq(runs.id, runId));
    const objectName = artifactObjectName(runId, namespace, name ?? "");
    const info =
      run && name && tokenMatches(run.accessToken, query.get("token") ?? "") ? await store.info(objectName) : null;
    const artifact = info && !info.deleted ? describedAs(ArtifactInfo, info) : undefined;
    if (!artifact) {
      res
        .writeHead(404, { "content-type": "text/html; charset=utf-8" })
        .end(page("Not found", "<h1>Not found</h1><p>No such artifact, or the link is incomplete.</p>"));
      return true;
    }
    if (isExpired(artifact)) {
      await store
        .delete(objectName)
        .catch((error: unknown) => log.warn({ err: error, artifact: objectName }, "expired artifact not deleted"));
      res
        .writeHead(410, { "content-type": "text/html; charset=utf-8" })
        .end(
          page(
            "Expired",
            `<h1>Expired</h1><p>Artifact ${escapeHtml(artifact.name)} expired on ${escapeHtml(artifact.expiresAt)}.</p>`,
          ),
        );
      return true;
    }
    const object = await store.get(objectName);
    if (!object) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      return true;
    }
    res.writeHead(200, {
      "content-type": "application/gzip",
      "content-length": String(info!.size),
      "content-disposition": `attachment; filename="${artifact.name.replace(/["\\]/g, "_")}.tar.gz"`,
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    });
    await pipeline(Readable.fromWeb(object.data as WebStream<Uint8Array>), res);
    const error = await object.error;
    if (error) log.warn({ err: error, artifact: objectName }, "artifact download broke off");
    return true;
  };
}

/** Deletes expired artifacts every `intervalMs` (not on any job's path, so a timer will do). */
export function startArtifactSweep(
  store: ObjectStore,
  log: Logger,
  intervalMs = SWEEP_INTERVAL_MS,
): { stop(): void; sweep(): Promise<number> } {
  async function sweep(): Promise<number> {
    let deleted = 0;
    for (const object of await store.list()) {
      const artifact = describedAs(ArtifactInfo, object);
      if (!artifact || !isExpired(artifact)) continue;
      await store.delete(object.name);
      deleted++;
    }
    if (deleted > 0) log.info({ deleted }, "expired artifacts deleted");
    return deleted;
  }
  const timer = setInterval(
    () => void sweep().catch((error: unknown) => log.warn({ err: error }, "artifact sweep failed")),
    intervalMs,
  );
  timer.unref();
  return { stop: () => clearInterval(timer), sweep };
}

function downloadPath(runId: string, artifact: ArtifactInfo, token: string): string {
  const namespace = artifact.namespace === "default" ? "" : `&namespace=${encodeURIComponent(artifact.namespace)}`;
  return `/runs/${runId}/artifacts/${encodeURIComponent(artifact.name)}?token=${encodeURIComponent(token)}${namespace}`;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
