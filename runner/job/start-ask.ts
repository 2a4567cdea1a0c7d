/**
 * The start ask: before an attempt starts, the runner asks the bot whether it may — JetStream
 * delivers a job again when it has no record of its ack (a nats-server stopped before writing
 * it), and only the bot's Postgres knows the job already ran or runs elsewhere — and, when the
 * job's templates read secrets, for those (never carried in the job message, which JetStream
 * keeps on disk). The reply comes to this runner's own inbox; the values live in this process's
 * memory for the job and are masked from the first log line on (runJobSteps adds every
 * `secrets` value as a mask). A job without secrets whose bot does not answer starts anyway, as
 * it did before the ask: the reporter still refuses the reports of an attempt it does not hold.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { decode, encode, SecretsReply, type JobMessage, type SecretsRequest } from "../../protocol/messages.ts";
import type { NatsNames } from "../../protocol/names.ts";
import { abortableSleep } from "../sleep.ts";

const REQUEST_TIMEOUT_MS = 10_000;
/** The bot may be restarting: a few tries over about half a minute before a job that needs secrets fails. */
const TRIES = 4;
/** A job without secrets waits this long for an answer, once, before it starts unasked. */
const PLAIN_TIMEOUT_MS = 5_000;

export interface SecretsTarget {
  nc: NatsConnection;
  names: NatsNames;
  runnerId: string;
  executionId: string;
  attempt: number;
  logger: Logger;
  signal?: AbortSignal;
  /** A line for the job's log. */
  note(line: string): void;
}

export type StartAnswer =
  /** Start `job` (with its secrets in `contexts.secrets` when it reads some). */
  | { kind: "start"; job: JobMessage }
  /** Fail the job saying why: its secrets were refused or could not be had. */
  | { kind: "fail"; reason: string }
  /** Do not run this attempt; settle the message as the bot said (see SecretsReply). */
  | { kind: "skip"; settle: "term" | "later"; reason: string };

export async function askToStart(target: SecretsTarget, job: JobMessage): Promise<StartAnswer> {
  const wantsSecrets = job.secretNames.length > 0;
  const request: SecretsRequest = {
    v: 1,
    executionId: target.executionId,
    attempt: target.attempt,
    claim: job.claim,
    secrets: wantsSecrets,
  };
  const tries = wantsSecrets ? TRIES : 1;
  let lastError = "";
  for (let attempt = 1; attempt <= tries && !target.signal?.aborted; attempt++) {
    try {
      const msg = await target.nc.request(target.names.secretsSubject(target.runnerId), encode(request), {
        timeout: wantsSecrets ? REQUEST_TIMEOUT_MS : PLAIN_TIMEOUT_MS,
      });
      const reply = decode(SecretsReply, msg.data, "secrets reply");
      if (!reply.ok && reply.settle) return { kind: "skip", settle: reply.settle, reason: reply.error };
      if (!wantsSecrets) return { kind: "start", job };
      if (!reply.ok) return { kind: "fail", reason: `the bot refused this job its secrets: ${reply.error}` };
      return { kind: "start", job: withSecrets(target, job, reply.secrets) };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      target.logger.warn({ err: error, attempt }, wantsSecrets ? "secrets request failed" : "start ask failed");
      if (attempt < tries) await abortableSleep(2_000 * attempt, target.signal);
    }
  }
  if (!wantsSecrets) return { kind: "start", job };
  return { kind: "fail", reason: `could not get this job's secrets from the bot: ${lastError || "cancelled"}` };
}

function withSecrets(target: SecretsTarget, job: JobMessage, given: Record<string, string>): JobMessage {
  // Names are case-insensitive: a plan-time `key` (empty) must not shadow the bot's `KEY`.
  const names = new Set(Object.keys(given).map((name) => name.toUpperCase()));
  const kept = Object.entries(job.contexts.secrets).filter(([name]) => !names.has(name.toUpperCase()));
  const secrets = { ...Object.fromEntries(kept), ...given };
  // As on GitHub a secret nobody set is an empty string; the log says which, so a typo is findable.
  const missing = job.secretNames.filter((name) => name !== "*" && !(name in given));
  if (missing.length > 0) target.note(`Secrets with no value for this job (empty): ${missing.join(", ")}`);
  return { ...job, contexts: { ...job.contexts, secrets } };
}
