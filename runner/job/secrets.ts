/**
 * A job's secrets, asked of the bot when the job starts (never carried in the job message,
 * which JetStream keeps on disk). Only a job whose templates read secrets asks. The reply
 * comes to this runner's own inbox; the values live in this process's memory for the job and
 * are masked from the first log line on (runJobSteps adds every `secrets` value as a mask).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { decode, encode, SecretsReply, type JobMessage, type SecretsRequest } from "../../protocol/messages.ts";
import type { NatsNames } from "../../protocol/names.ts";
import { abortableSleep } from "../sleep.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";

const REQUEST_TIMEOUT_MS = 10_000;
/** The bot may be restarting: a few tries over about half a minute before the job fails. */
const TRIES = 4;

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

/** `job` with its secrets in `contexts.secrets`, or why it must not run. */
export async function withJobSecrets(target: SecretsTarget, job: JobMessage): Promise<Result<JobMessage>> {
  if (job.secretNames.length === 0) return ok(job);
  const request: SecretsRequest = { v: 1, executionId: target.executionId, attempt: target.attempt, claim: job.claim };
  let lastError = "";
  for (let attempt = 1; attempt <= TRIES && !target.signal?.aborted; attempt++) {
    try {
      const msg = await target.nc.request(target.names.secretsSubject(target.runnerId), encode(request), {
        timeout: REQUEST_TIMEOUT_MS,
      });
      const reply = decode(SecretsReply, msg.data, "secrets reply");
      if (!reply.ok) return fail(`the bot refused this job its secrets: ${reply.error}`);
      // Names are case-insensitive: a plan-time `key` (empty) must not shadow the bot's `KEY`.
      const given = new Set(Object.keys(reply.secrets).map((name) => name.toUpperCase()));
      const kept = Object.entries(job.contexts.secrets).filter(([name]) => !given.has(name.toUpperCase()));
      const secrets = { ...Object.fromEntries(kept), ...reply.secrets };
      // As on GitHub a secret nobody set is an empty string; the log says which, so a typo is findable.
      const missing = job.secretNames.filter((name) => name !== "*" && !(name in reply.secrets));
      if (missing.length > 0) target.note(`Secrets with no value for this job (empty): ${missing.join(", ")}`);
      return ok({ ...job, contexts: { ...job.contexts, secrets } });
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      target.logger.warn({ err: error, attempt }, "secrets request failed");
      if (attempt < TRIES) await abortableSleep(2_000 * attempt, target.signal);
    }
  }
  return fail(`could not get this job's secrets from the bot: ${lastError || "cancelled"}`);
}
