/**
 * Finds new commits in followed repositories: every GIT_POLL_SECONDS, for each repository this
 * bot holds the poll lease of (poll-lease.ts), `git ls-remote` and the heads Postgres remembers
 * are compared (heads-diff.ts), and each new or moved branch head the follow takes is stored
 * on the events stream as a `push` with a delivery id of its repository, ref and SHA — the same
 * in every bot and every poll, so a head runs once however often it is seen. The heads are saved
 * only after every push is stored: a bot dying between the two stores the same pushes again.
 *
 * `pollNow` polls one repository at once (the post-receive hook), lease or not. Polls of one
 * repository queue one after another in this process; git runs as a child process, so a slow
 * or unreachable repository blocks nothing but its own poll, which is logged and tried again
 * on the next interval.
 */
import type { Logger } from "pino";
import type { Db } from "../../../db/client.ts";
import type { PublishEvent } from "../../ingest/publish-event.ts";
import { GIT_PUSH, type GitPush, pushDeliveryId } from "./event-context.ts";
import { findFollow, listFollows, saveHeads } from "./follows-store.ts";
import { newHeads } from "./heads-diff.ts";
import { lsRemote, type RemoteHeads } from "./ls-remote.ts";
import type { PollLease } from "./poll-lease.ts";

export interface GitPollerDeps {
  db: Db;
  publish: PublishEvent;
  lease: PollLease;
  intervalMs: number;
  log: Logger;
  remoteHeads?: (url: string) => Promise<RemoteHeads>;
}

export interface GitPoller {
  /** Polls the repository now (after a poll of it already under way); false when it is not followed. */
  pollNow(name: string): Promise<boolean>;
  stop(): Promise<void>;
}

/** How many repositories one bot polls at once. */
const PARALLEL = 4;

export function startGitPoller(deps: GitPollerDeps): GitPoller {
  const { db, log } = deps;
  const remoteHeads = deps.remoteHeads ?? ((url: string) => lsRemote(url));
  const running = new Map<string, Promise<boolean>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  async function pollOne(name: string): Promise<boolean> {
    const follow = await findFollow(db, name);
    if (!follow || follow.upstream) return false;
    const repoLog = log.child({ repo: follow.name });
    let remote: RemoteHeads;
    try {
      remote = await remoteHeads(follow.url);
    } catch (error) {
      repoLog.warn({ err: error, url: follow.url }, "git repository unreachable; trying again next interval");
      return true;
    }
    const pushes = newHeads(follow.heads, remote.heads, follow.branches, remote.defaultBranch);
    for (const push of pushes) {
      const payload: GitPush = {
        ref: push.ref,
        before: push.before ?? "0".repeat(push.after.length),
        after: push.after,
        repository: { full_name: follow.name, clone_url: follow.url },
      };
      const { duplicate } = await deps.publish({
        v: 1,
        forge: "git",
        deliveryId: pushDeliveryId(follow.name, push.ref, push.after),
        name: GIT_PUSH,
        payload,
        receivedAt: new Date().toISOString(),
      });
      repoLog.info({ ref: push.ref, sha: push.after, before: push.before, duplicate }, "git push stored");
    }
    await saveHeads(db, follow.name, remote.heads, remote.defaultBranch);
    return true;
  }

  function pollNow(name: string): Promise<boolean> {
    const before = running.get(name) ?? Promise.resolve(true);
    const next = before.catch(() => true).then(() => pollOne(name));
    running.set(name, next);
    void next.finally(() => {
      if (running.get(name) === next) running.delete(name);
    });
    return next;
  }

  async function pollAll(): Promise<void> {
    // Repositories followed through federation arrive as upstream's events, never polled.
    const follows = (await listFollows(db)).filter((follow) => !follow.upstream);
    let at = 0;
    const worker = async () => {
      while (!stopped && at < follows.length) {
        const follow = follows[at++]!;
        if (!(await deps.lease(follow.name))) continue;
        await pollNow(follow.name).catch((error: unknown) =>
          log.warn({ err: error, repo: follow.name }, "git poll failed; trying again next interval"),
        );
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }

  const tick = () => {
    round = pollAll()
      .catch((error: unknown) => log.warn({ err: error }, "git poll round failed"))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, deps.intervalMs);
      });
  };
  timer = setTimeout(tick, Math.min(deps.intervalMs, 1_000));

  return {
    pollNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
      await Promise.allSettled([...running.values()]);
      clearTimeout(timer);
    },
  };
}
