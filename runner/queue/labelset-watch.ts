/**
 * Follows the labelsets bucket for one namespace: a KV watch delivers the current entries,
 * then every change, so the runner learns of a new labelset the moment the bot creates its
 * consumer. No polling: if the bucket does not exist yet (runner started before any bot),
 * we wait for JetStream's stream-created advisory for it.
 */
import { Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { NatsNames } from "../../protocol/names.ts";
import { mayTake } from "../../protocol/labels.ts";
import { decode, LabelsetEntry } from "../../protocol/messages.ts";
import { isNotFound } from "../../protocol/setup.ts";
import { abortableSleep } from "../sleep.ts";
import { startLoop, type BackgroundLoop, type LoopControl } from "./background-loop.ts";

export interface LabelsetWatchOptions {
  nc: NatsConnection;
  names: NatsNames;
  namespace: string;
  labels: readonly string[];
  /** Labels a labelset must hold before this runner serves it. */
  exclusiveLabels?: readonly string[];
  logger: Logger;
  /** Called with an entry this runner can serve, or `null` when a served key was deleted. */
  onEntry(key: string, entry: LabelsetEntry | null): void;
}

/** If the creation advisory is missed (e.g. across a reconnect), look again this often. */
const BUCKET_RECHECK_MS = 30_000;

export function watchLabelsets(options: LabelsetWatchOptions): BackgroundLoop {
  const { nc, names, logger } = options;
  // Keys are `<namespace>.<hash>`; the namespace part is labelsetKey's own spelling of it.
  const keyPrefix = names.labelsetKey(options.namespace, "").split(".")[0];
  const advisory = `$JS.EVENT.ADVISORY.STREAM.CREATED.KV_${names.labelsetsBucket}`;

  async function run(loop: LoopControl): Promise<void> {
    while (!loop.signal.aborted) {
      // Subscribe before looking, so a bucket created in between still wakes us.
      const created = nc.subscribe(advisory, { max: 1 });
      try {
        const kv = await new Kvm(nc).open(names.labelsetsBucket);
        const iterator = await kv.watch({ key: `${keyPrefix}.>` });
        loop.current = iterator;
        // stop() may have come while we were asking; it could not stop a watch that did not exist yet.
        if (loop.signal.aborted) iterator.stop();
        created.unsubscribe();
        for await (const entry of iterator) handle(entry);
        // The watch ended: stopped, or its consumer was lost. Watch again; known keys repeat harmlessly.
      } catch (error) {
        if (!loop.signal.aborted) {
          const missing = isNotFound(error);
          if (missing)
            logger.info({ bucket: names.labelsetsBucket }, "labelsets bucket does not exist yet, waiting for the bot");
          else logger.warn({ err: error }, "labelsets watch failed, retrying");
          await Promise.race([firstMessage(created), abortableSleep(missing ? BUCKET_RECHECK_MS : 1_000, loop.signal)]);
        }
        created.unsubscribe();
        continue;
      } finally {
        loop.current = undefined;
      }
      if (!loop.signal.aborted) await abortableSleep(250, loop.signal);
    }
  }

  function handle(entry: KvWatchEntry): void {
    if (entry.operation !== "PUT") {
      options.onEntry(entry.key, null);
      return;
    }
    try {
      const value = decode(LabelsetEntry, entry.value, `labelset ${entry.key}`);
      if (value.namespace !== options.namespace) return;
      if (!mayTake(options.labels, options.exclusiveLabels ?? [], value.labels)) {
        logger.debug({ labels: value.labels }, "labelset not served by this runner");
        return;
      }
      options.onEntry(entry.key, value);
    } catch (error) {
      logger.error({ err: error, key: entry.key }, "malformed labelset entry ignored");
    }
  }

  return startLoop(logger, "labelsets watch crashed", run);
}

async function firstMessage(sub: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of sub) return;
}
