/**
 * Which runners started which attempts of a job, read back from the runners' own `started`
 * reports in the runner stream (kept two days): a "runner lost" check run names them without
 * Postgres keeping a history row per attempt.
 */
import { DeliverPolicy } from "@nats-io/jetstream";
import { decode, RunnerEvent } from "../../protocol/messages.ts";
import type { Bus } from "../bus/connect.ts";

export interface AttemptHolder {
  attempt: number;
  runner: string;
  /** The runner handed the attempt back (stopping): it was not lost. */
  released: boolean;
}

export async function attemptHolders(bus: Bus, executionId: string): Promise<AttemptHolder[]> {
  const filter = bus.names.statusSubject("*", executionId);
  const consumer = await bus.js.consumers.get(bus.names.runnerStream, {
    filter_subjects: filter,
    deliver_policy: DeliverPolicy.All,
  });
  const pending = (await consumer.info(true)).num_pending;
  const holders = new Map<number, AttemptHolder>();
  if (pending > 0) {
    const messages = await consumer.fetch({ max_messages: pending, expires: 5_000 });
    for await (const msg of messages) {
      let event: RunnerEvent;
      try {
        event = decode(RunnerEvent, msg.data, "runner event");
      } catch {
        continue; // not ours to judge here: the reporter already dropped it loudly
      }
      if (event.type === "started")
        holders.set(event.attempt, { attempt: event.attempt, runner: event.runner.name, released: false });
      if (event.type === "released") {
        const holder = holders.get(event.attempt);
        if (holder) holder.released = true;
      }
      if (msg.info.pending === 0) break;
    }
  }
  return [...holders.values()].sort((a, b) => a.attempt - b.attempt);
}
