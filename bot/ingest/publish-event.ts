/**
 * Writes a verified delivery to the events stream. The webhook is answered only after
 * JetStream has stored it, so a bot that dies right after answering loses nothing.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import { encode, type ForgeEvent } from "../../protocol/messages.ts";
import type { NatsNames } from "../../protocol/names.ts";

export type PublishEvent = (event: ForgeEvent) => Promise<{ duplicate: boolean }>;

export function eventPublisher(js: JetStreamClient, names: NatsNames): PublishEvent {
  return async (event) => {
    const ack = await js.publish(names.eventsSubject(event.forge), encode(event), {
      // Inside the duplicate window JetStream drops a redelivered webhook; Postgres keeps the
      // longer memory (the planner's unique key on the delivery id).
      msgID: `${event.forge}:${event.deliveryId}`,
    });
    return { duplicate: ack.duplicate };
  };
}
