/**
 * The bot's connection to NATS, with streams in place before anything publishes.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { natsNames, type NatsNames } from "../../protocol/names.ts";
import { ensureStreams, openLabelsets } from "../../protocol/setup.ts";
import { credentialsOption } from "../../protocol/credentials.ts";
import type { StreamLimits } from "../../protocol/streams.ts";

export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  labelsets: KV;
  names: NatsNames;
  /** What every stream this bot creates is made with (its age limits, NATS_REPLICAS). */
  limits: StreamLimits;
}

export async function connectBus(
  url: string,
  prefix: string,
  options: { name: string; jobMaxAgeDays: number; replicas?: number; creds?: string },
): Promise<Bus> {
  const nc = await connectNats(url, options.name, options.creds);
  const names = natsNames(prefix);
  const limits = {
    jobMaxAgeDays: options.jobMaxAgeDays,
    duplicateWindowMs: 2 * 60_000,
    replicas: options.replicas ?? 1,
  };
  const jsm = await ensureStreams(nc, names, limits);
  const labelsets = await openLabelsets(nc, names, limits.replicas);
  return { nc, js: jetstream(nc), jsm, labelsets, names, limits };
}

/** A long-lived connection that never gives up reconnecting; with a `.creds` text when the server wants one. */
export function connectNats(url: string, name: string, creds?: string): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, ...credentialsOption(creds) });
}
