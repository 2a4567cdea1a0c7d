/**
 * Waits for the bot to have dealt with every runner report published so far: the reporter's
 * durable consumer has acknowledged the runner stream up to its last message (applied or
 * refused, either way done). For tests that check a report was refused: the refusal leaves
 * nothing to wait for, the acknowledgement does.
 */
import type { Flotilla } from "./flotilla.ts";
import { until } from "./until.ts";

export async function reportsApplied(f: Flotilla, timeoutMs = 60_000): Promise<void> {
  const { jsm, names } = f.bot.bus;
  const last = (await jsm.streams.info(names.runnerStream)).state.last_seq;
  await until(
    async () => {
      const info = await jsm.consumers.info(names.runnerStream, names.reporterConsumer);
      return info.ack_floor.stream_seq >= last && info.num_ack_pending === 0;
    },
    timeoutMs,
    `the reporter to acknowledge runner reports up to #${last}`,
  );
}
