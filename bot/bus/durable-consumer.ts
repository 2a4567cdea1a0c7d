/**
 * The bot's durable consumers (planner, reporter, runner-lost advisories): shared by every bot
 * replica, created by whichever starts first, explicit acks, from the stream's first message,
 * a minute to finish each message before it is delivered again.
 */
import { AckPolicy, type ConsumerConfig, DeliverPolicy } from "@nats-io/jetstream";
import { isNotFound } from "../../protocol/setup.ts";
import type { Bus } from "./connect.ts";

export async function ensureDurableConsumer(
  bus: Bus,
  stream: string,
  name: string,
  extra: Partial<ConsumerConfig> = {},
): Promise<void> {
  try {
    await bus.jsm.consumers.info(stream, name);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await bus.jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 60_000_000_000,
      ...extra,
    });
  }
}
