/**
 * The two object stores behind the built-in actions: artifacts (`actions/upload-artifact`,
 * read by `download-artifact` and the bot's run page) and caches (`actions/cache`). The bot
 * creates them at start; runners only open them. What each object is lies in its
 * description, as JSON, so a reader never has to parse object names.
 */
import { Objm, type ObjectInfo, type ObjectStore } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import type { NatsNames } from "./names.ts";

const DAY_NS = 24 * 60 * 60 * 1_000_000_000;

/** GitHub's maximum `retention-days`; the bucket's age limit is a backstop a day beyond it. */
export const MAX_RETENTION_DAYS = 90;
/** GitHub evicts caches unused for 7 days; JetStream can only age them from creation. */
const CACHE_MAX_AGE_DAYS = 7;

export const ArtifactInfo = z.object({
  runId: z.string(),
  jobKey: z.string(),
  /** Every namespace runs every job of a run, so each uploads its own copy. */
  namespace: z.string(),
  name: z.string(),
  /** Bytes of the tar.gz. */
  size: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  uploadedAt: z.string(),
  expiresAt: z.string(),
});
export type ArtifactInfo = z.infer<typeof ArtifactInfo>;

export const CacheEntry = z.object({
  repository: z.string(),
  /** The git ref of the run that saved it (`refs/heads/main`, `refs/pull/7/merge`). */
  scope: z.string(),
  key: z.string(),
  /** A hash of the `path` input: a restore with other paths does not match, as on GitHub. */
  version: z.string(),
  size: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type CacheEntry = z.infer<typeof CacheEntry>;

export function artifactObjectName(runId: string, namespace: string, name: string): string {
  return `${runId}/${namespace}/${name}`;
}

export function cacheObjectName(entry: Pick<CacheEntry, "repository" | "scope" | "key">): string {
  return `${entry.repository}/${entry.scope}/${entry.key}`;
}

/** The JSON an object's description holds, or undefined for an object we did not write. */
export function describedAs<T>(schema: z.ZodType<T>, info: Pick<ObjectInfo, "description">): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(info.description ?? ""));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function isExpired(artifact: Pick<ArtifactInfo, "expiresAt">, now = new Date()): boolean {
  return Date.parse(artifact.expiresAt) <= now.getTime();
}

/** Bot only (runners get no admin rights). Idempotent: an existing bucket is opened as it is. */
export async function ensureObjectStores(
  nc: NatsConnection,
  names: NatsNames,
  replicas = 1,
): Promise<{ artifacts: ObjectStore; cache: ObjectStore }> {
  const objm = new Objm(nc);
  const artifacts = await objm.create(names.artifactsBucket, {
    description: "Flotilla artifacts",
    ttl: (MAX_RETENTION_DAYS + 1) * DAY_NS,
    replicas,
  });
  const cache = await objm.create(names.cacheBucket, {
    description: "Flotilla caches",
    ttl: CACHE_MAX_AGE_DAYS * DAY_NS,
    replicas,
  });
  return { artifacts, cache };
}

/**
 * The part of an object store the built-in actions use: a JetStream bucket is one, and so is
 * a directory (`flotilla run` keeps its artifacts and caches under `.flotilla/`). `put` with
 * `previousRevision` must refuse, with "wrong last sequence", a name that moved on meanwhile.
 */
export type ArchiveStore = Pick<ObjectStore, "info" | "list" | "get" | "put">;

/**
 * What a runner's built-in actions reach the stores through. Opened on first use, so a job
 * without artifacts or caches never asks; `open` rejects when the bot has not created them.
 */
export interface ObjectStoreAccess {
  /** The runner's namespace: artifacts are kept per namespace. */
  namespace: string;
  artifacts(): Promise<ArchiveStore>;
  cache(): Promise<ArchiveStore>;
}

export function objectStoreAccess(nc: NatsConnection, names: NatsNames, namespace: string): ObjectStoreAccess {
  const opened = new Map<string, Promise<ObjectStore>>();
  function open(bucket: string): Promise<ObjectStore> {
    let store = opened.get(bucket);
    if (!store) {
      store = new Objm(nc).open(bucket).catch((error: unknown) => {
        opened.delete(bucket);
        throw new Error(`object store "${bucket}" is not there (the bot creates it when it starts)`, { cause: error });
      });
      opened.set(bucket, store);
    }
    return store;
  }
  return { namespace, artifacts: () => open(names.artifactsBucket), cache: () => open(names.cacheBucket) };
}

/** Objects' data as a web stream, for `put`. */
export type { ObjectStore, ObjectInfo };
