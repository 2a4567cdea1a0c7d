/**
 * Warm-cache affinity: which runner a repository's jobs prefer, by rendezvous (highest random
 * weight) hashing over the runners online for a labelset. Every runner and the bot compute the
 * same answer from the same list, and a resize from N to N+1 runners moves only the ~1/(N+1) of
 * repositories the new runner wins — `hash % N` (Ochopod's way) reshuffles nearly all of them.
 */
import { createHash } from "node:crypto";

export function preferredRunner(repository: string, runnerIds: readonly string[]): string | undefined {
  let best: { id: string; score: bigint } | undefined;
  for (const id of runnerIds) {
    const score = createHash("sha256").update(`${repository}\0${id}`).digest().readBigUInt64BE(0);
    if (!best || score > best.score || (score === best.score && id < best.id)) best = { id, score };
  }
  return best?.id;
}
