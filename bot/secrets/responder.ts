/**
 * Answers runners' SecretsRequests (core NATS request on `secretsSubject(runnerId)`, one queue
 * group across bot replicas): the start ask a runner makes before every attempt, which carries
 * the job's secrets when it uses some. The secrets never travel in the job message — that sits
 * on disk in JetStream — only in this reply, to the runner that holds the job right now:
 *
 * - the job exists, is not completed, and the request carries the claim of its published
 *   message (only a runner that was delivered it knows it);
 * - the attempt may start (bot/reporter/attempt-gate.ts): not older than the newest the bot
 *   saw, not another runner's, not one whose previous runner is still at it; a refusal says
 *   how the runner settles the message; a removed runner gets nothing;
 * - a pull request from a fork gets an empty set (GitHub's rule);
 * - only the names the job's templates use (its `secretNames`) are in the reply, the job's
 *   environment's value first, then the repository's, then the organisation's.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { jobs, runners, runs } from "../../db/schema.ts";
import { decode, encode, RunnerEvent, SecretsRequest, type SecretsReply } from "../../protocol/messages.ts";
import { isRunnerId, type NatsNames } from "../../protocol/names.ts";
import { startRefusal, type Holder, type StartRefusal } from "../reporter/attempt-gate.ts";
import { applySecretChain } from "./call-chain.ts";
import type { SecretsKey } from "./crypto.ts";
import { isForkPullRequest } from "./fork.ts";
import { ALL_SECRETS } from "./needed-names.ts";
import { loadSecrets } from "./store.ts";

export interface SecretsResponderDeps {
  nc: NatsConnection;
  /** Reads a holder's last report from the runner stream (the start ask's rare path). */
  jsm: JetStreamManager;
  names: NatsNames;
  db: Db;
  /** Undefined: secrets are off (no FLOTILLA_SECRETS_KEY); jobs get empty ones and are told why. */
  key: SecretsKey | undefined;
  log: Logger;
}

export function respondToSecretsRequests(deps: SecretsResponderDeps): Subscription {
  return deps.nc.subscribe(deps.names.secretsFilter, {
    queue: `${deps.names.prefix}-secrets`,
    callback: (_error, msg) => {
      const runnerId = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
      answer(deps, runnerId, msg.data).then(
        (reply) => msg.respond(encode(reply)),
        (error: unknown) => {
          deps.log.error({ err: error, runner: runnerId }, "secrets request failed");
          msg.respond(
            encode({
              v: 1,
              ok: false,
              error: "the bot could not read the secrets; see its log",
            } satisfies SecretsReply),
          );
        },
      );
    },
  });
}

async function answer(deps: SecretsResponderDeps, runnerId: string, data: Uint8Array): Promise<SecretsReply> {
  const refuse = (
    error: string,
    fields: Record<string, unknown> = {},
    settle?: StartRefusal["settle"],
  ): SecretsReply => {
    deps.log.warn({ runner: runnerId, ...fields, reason: error }, "start ask refused");
    return { v: 1, ok: false, error, ...(settle ? { settle } : {}) };
  };
  let request: SecretsRequest;
  try {
    request = decode(SecretsRequest, data, "secrets request");
  } catch (error) {
    return refuse((error as Error).message);
  }
  if (!isRunnerId(runnerId)) return refuse(`"${runnerId}" is not a runner id`);
  const where = { execution: request.executionId, attempt: request.attempt };
  const removed = sql<boolean>`exists (select 1 from ${runners} where ${runners.id} = ${runnerId} and ${runners.removedAt} is not null)`;
  const [row] = await deps.db
    .select({
      job: jobs,
      run: {
        githubContext: runs.githubContext,
        eventName: runs.eventName,
        repository: runs.repository,
        fork: runs.fork,
      },
      runnerRemoved: removed,
    })
    .from(jobs)
    .innerJoin(runs, eq(runs.id, jobs.runId))
    .where(eq(jobs.id, uuidOrNil(request.executionId)));
  // One answer for every mismatch: a caller without the claim learns nothing about which part was wrong.
  if (!row) return refuse("this runner does not hold that job", where, "term");
  const { job, run } = row;
  const refusal = await startRefusal(job, request, runnerId, {
    holder: (holder) => holderOf(deps.db, holder),
    lastReport: (holder) => lastReport(deps, holder, job.id),
  });
  if (refusal) return refuse(refusal.error, where, refusal.settle);
  if (row.runnerRemoved) return refuse("this runner was removed", where);
  if (!request.secrets) return { v: 1, ok: true, secrets: {} };

  const wanted = job.spec?.secretNames ?? [];
  if (run.fork ?? isForkPullRequest(run.githubContext, run.eventName)) {
    deps.log.info({ ...where, repository: run.repository }, "fork pull request: no secrets");
    return { v: 1, ok: true, secrets: {} };
  }
  if (!deps.key) {
    // GitHub gives a secret it does not have as an empty string, and workflows rely on that
    // (`if: secrets.X != ''`): empty, and the runner warns in the job's log.
    deps.log.warn(
      { ...where, repository: run.repository },
      "secrets are off (no FLOTILLA_SECRETS_KEY): the job gets empty secrets",
    );
    return { v: 1, ok: true, secrets: {} };
  }
  const chain = job.spec?.secretChain ?? [];
  const all = wanted.includes(ALL_SECRETS);
  // A called job's names are the called workflow's: every stored secret may be behind one of them.
  const loaded = await loadSecrets(
    deps.db,
    deps.key,
    run.repository,
    all || chain.length > 0 ? "all" : wanted,
    job.spec?.environment?.name,
  );
  const available = applySecretChain(loaded.values, chain);
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(available)) {
    if (all || wanted.includes(name.toUpperCase())) secrets[name.toUpperCase()] = value;
  }
  // A secret the job may read that does not decrypt fails the job with why, rather than running it with a wrong value.
  const problems = loaded.problems
    .filter((p) => all || chain.length > 0 || wanted.includes(p.name))
    .map((p) => p.message);
  if (problems.length > 0) return refuse(problems.join("; "), { ...where, repository: run.repository });
  deps.log.info({ ...where, runner: runnerId, names: Object.keys(secrets) }, "secrets handed out");
  return { v: 1, ok: true, secrets };
}

async function holderOf(db: Db, runnerId: string): Promise<Holder> {
  const [row] = await db
    .select({
      lastSeenAt: runners.lastSeenAt,
      removedAt: runners.removedAt,
      running: runners.running,
      concurrency: runners.concurrency,
    })
    .from(runners)
    .where(eq(runners.id, runnerId));
  return row;
}

async function lastReport(
  deps: SecretsResponderDeps,
  runnerId: string,
  executionId: string,
): Promise<{ type: string; attempt: number } | undefined> {
  const stored = await deps.jsm.streams
    .getMessage(deps.names.runnerStream, { last_by_subj: deps.names.statusSubject(runnerId, executionId) })
    .catch((error: unknown) => {
      // Not knowing costs at most a second run, as before the start ask; refusing secrets would cost the job.
      deps.log.warn({ err: error, job: executionId }, "could not read the holder's last report");
      return null;
    });
  if (!stored) return undefined;
  const event = RunnerEvent.safeParse(stored.json());
  return event.success ? { type: event.data.type, attempt: event.data.attempt } : undefined;
}

/** A malformed id must not reach a uuid column as a query error. */
function uuidOrNil(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)
    ? id
    : "00000000-0000-0000-0000-000000000000";
}
