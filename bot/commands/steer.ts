/**
 * Carrying out what people ask for on a pull request: the command lines of a new comment, in
 * order, and GitHub's Re-run / Re-run all / Cancel buttons. Each arrives as a stored forge
 * event (the events stream, like pushes), so a bot that dies half way leaves the delivery to
 * be taken again; a delivery carried out completely is recorded and never carried out twice.
 *
 * Everything but `/help` needs the forge's steering level (GitHub: write, maintain or admin permission; GitLab: Developer or higher) on the repository, read
 * from the forge (cached for a minute), never from the payload. A comment gets 👀 when the bot
 * starts on it and 👍 when every command in it worked; a command that could not be done gets a
 * reply saying why. The effects start within this one delivery: no timer, no polling.
 */
import { and, eq } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { approvals, jobs, pullRequests, runs } from "../../db/schema.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import type { Bus } from "../bus/connect.ts";
import type { Forge } from "../forges/forge.ts";
import type { Forges } from "../forges/forge-kind.ts";
import { currentJobsOf } from "../runs/current-jobs.ts";
import { claimDelivery, markDelivered } from "../runs/deliveries.ts";
import type { JobRow } from "../runs/rows.ts";
import { fail, ok, type Result } from "../../protocol/result.ts";
import { cancelJobs } from "../scheduler/cancel-jobs.ts";
import { releaseRun } from "../scheduler/release-jobs.ts";
import { rerunJobs } from "../scheduler/rerun-jobs.ts";
import { chooseCancels, chooseReruns, type RunJobs } from "./choose-jobs.ts";
import type { SteerEvent } from "../runs/steer-event.ts";
import { type Command, STEERING_PERMISSIONS } from "./command.ts";
import { helpText } from "./help-text.ts";
import { COMMANDS } from "./registry.ts";
import { parseComment } from "./parse-comment.ts";

export interface SteerDeps {
  db: Db;
  bus: Bus;
  lease: LeaseSettings;
  log: Logger;
  publicUrl: string;
  forges: Forges;
}

export async function steer(deps: SteerDeps, event: SteerEvent): Promise<void> {
  const log = deps.log.child({ delivery: event.deliveryId, steer: event.kind, sender: event.sender });
  if (event.kind === "comment" && parseComment(event.body).length === 0) return;
  if (!(await claimDelivery(deps.db, event, event.kind))) {
    log.info("delivery already carried out");
    return;
  }
  const forge = await deps.forges.forgeOf(event);
  const context = { deps: { ...deps, log }, forge, event };
  if (event.kind === "comment") await onComment(context, event);
  else await onButton(context, event);
  await markDelivered(deps.db, event.deliveryId);
}

interface Steering {
  deps: SteerDeps;
  forge: Forge;
  event: SteerEvent;
}

type CommentEvent = Extract<SteerEvent, { kind: "comment" }>;

async function onComment(s: Steering, event: CommentEvent): Promise<void> {
  const reply = (body: string) => feedback(s, () => s.forge.comment(event.repo, event.pullNumber, body));
  // Sent beside the first command's work, not before it: the 👀 costs the command no time.
  const seen = feedback(s, () => s.forge.react(event.repo, event.pullNumber, event.commentId, "eyes"));
  seen.catch(() => {}); // awaited below, after the commands; a failure surfaces there
  let allDone = true;
  for (const parsed of parseComment(event.body)) {
    if (!parsed.ok) {
      allDone = false;
      await reply(quoteAnd(parsed.reason.line, parsed.reason.message));
      continue;
    }
    const { line, command } = parsed.value;
    const result = await runCommand(s, event, command);
    if (!result.ok) {
      allDone = false;
      await reply(quoteAnd(line, result.reason));
    } else if (result.value) {
      await reply(result.value);
    }
  }
  await seen;
  if (allDone) await feedback(s, () => s.forge.react(event.repo, event.pullNumber, event.commentId, "+1"));
}

/**
 * A reaction or reply whose comment or pull request is gone (deleted, or a number the forge
 * does not know) is dropped: what the commands did stands, and trying again cannot help.
 * Other failures throw, so the delivery is tried again.
 */
async function feedback(s: Steering, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 404 && status !== 410) throw error;
    s.deps.log.warn({ status }, "feedback not delivered: the comment or pull request is gone");
  }
}

/** What a command did: a reply to post (`/help`), nothing, or why it could not be done. */
async function runCommand(s: Steering, event: CommentEvent, command: Command): Promise<Result<string | undefined>> {
  if (command.name === "help") return ok(helpText(COMMANDS, s.forge.steerers));
  const allowed = await mayRun(s);
  if (!allowed.ok) return allowed;
  const [pr] = await s.deps.db
    .select()
    .from(pullRequests)
    .where(and(eq(pullRequests.repository, event.repo.fullName), eq(pullRequests.number, event.pullNumber)));
  if (!pr) return fail("Flotilla has not planned any run for this pull request yet.");
  const by = `@${event.sender}`;
  if (command.name === "ok-to-test") {
    await s.deps.db
      .insert(approvals)
      .values({ repository: event.repo.fullName, sha: pr.headSha, pullNumber: pr.number, approvedBy: event.sender })
      .onConflictDoNothing();
    s.deps.log.info({ sha: pr.headSha, pull: pr.number }, "fork pull request approved");
    const held = (await runsAt(s.deps.db, event.repo.fullName, pr.headSha))
      .map(({ run, rows }) => ({ run, rows: rows.filter((r) => r.conclusion === "action_required") }))
      .filter(({ rows }) => rows.length > 0);
    // Nothing held yet (its event not planned, or it needed no approval): the approval waits for it.
    if (held.length === 0) return ok(undefined);
    return rerunAll(s, held, `${by} with /ok-to-test`);
  }
  const atHead = await runsAt(s.deps.db, event.repo.fullName, pr.headSha);
  if (command.name === "cancel") {
    const chosen = chooseCancels(atHead, command.namespace, pr.headSha);
    if (!chosen.ok) return chosen;
    await cancelAll(s, chosen.value, `Cancelled by ${by} with /cancel`);
    return ok(undefined);
  }
  const chosen = chooseReruns(atHead, command, pr.headSha);
  if (!chosen.ok) return chosen;
  return rerunAll(s, chosen.value, by);
}

async function onButton(s: Steering, event: Exclude<SteerEvent, CommentEvent>): Promise<void> {
  const allowed = await mayRun(s);
  if (!allowed.ok) {
    s.deps.log.warn({ reason: allowed.reason }, "button pressed by someone who may not steer");
    return;
  }
  const by = `@${event.sender}`;
  let result: Result<string | undefined>;
  if (event.kind === "rerun-commit") {
    result = await rerunAll(s, await runsAt(s.deps.db, event.repo.fullName, event.headSha), by);
  } else {
    const found = await currentJob(s.deps.db, event.jobId);
    if (!found) {
      s.deps.log.info({ job: event.jobId }, "button on a check run Flotilla does not know");
      return;
    }
    if (event.kind === "rerun-job") result = await rerunAll(s, [found], by);
    else {
      await cancelAll(s, [found], `Cancelled by ${by} with the Cancel button`);
      result = ok(undefined);
    }
  }
  if (!result.ok) s.deps.log.info({ reason: result.reason }, "button changed nothing");
}

async function rerunAll(s: Steering, chosen: RunJobs[], by: string): Promise<Result<string | undefined>> {
  const refused: string[] = [];
  for (const { run, rows } of chosen) {
    const done = await rerunJobs(s.deps, s.forge, run, rows, by);
    if (!done.ok) refused.push(`${run.workflowName}: ${done.reason}`);
  }
  if (chosen.length === 0) return fail("Nothing to re-run.");
  return refused.length === 0 ? ok(undefined) : fail(`Not re-run: ${refused.join("; ")}.`);
}

async function cancelAll(s: Steering, chosen: RunJobs[], reason: string): Promise<void> {
  for (const { run, rows } of chosen) {
    const cancelled = await cancelJobs({ ...s.deps, forge: s.forge }, run, rows, reason);
    // Their dependents are skipped, and the run's groups handed over, by a release pass.
    if (cancelled > 0) await releaseRun(s.deps, run, s.forge);
  }
}

async function mayRun(s: Steering): Promise<Result<true>> {
  // The forge caches it for a minute: several commands cost one read.
  const permission = await s.forge.permission(s.event.repo, s.event.sender);
  if (STEERING_PERMISSIONS.has(permission)) return ok(true);
  return fail(
    `Only users with ${listed(s.forge.steerers.levels)} ${s.forge.steerers.noun} on ${s.event.repo.fullName} can steer CI; @${s.event.sender} has ${s.forge.describePermission(permission)}.`,
  );
}

/** The runs of the commit, each with its current attempt's rows. */
async function runsAt(db: Db, repository: string, sha: string): Promise<RunJobs[]> {
  const found = await db
    .select()
    .from(runs)
    .where(and(eq(runs.repository, repository), eq(runs.sha, sha)));
  return Promise.all(
    found.map(async (run) => ({ run, rows: await db.select().from(jobs).where(currentJobsOf(run.id)) })),
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The job a check run is for, as its current attempt's row (a button on an older attempt's check means the job). */
async function currentJob(db: Db, jobId: string): Promise<RunJobs | undefined> {
  if (!UUID.test(jobId)) return undefined;
  const [hit] = await db
    .select({ job: jobs, run: runs })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(eq(jobs.id, jobId));
  if (!hit) return undefined;
  let row: JobRow | undefined = hit.job;
  if (row.supersededAt !== null) {
    [row] = await db
      .select()
      .from(jobs)
      .where(and(currentJobsOf(hit.run.id), eq(jobs.jobKey, hit.job.jobKey), eq(jobs.namespace, hit.job.namespace)));
  }
  return row ? { run: hit.run, rows: [row] } : undefined;
}

function quoteAnd(line: string, message: string): string {
  return `> ${line}\n\n${message}`;
}

/** "a, b or c". */
function listed(words: string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}
