/**
 * Turns a stored GitHub steering delivery into the forge-neutral SteerEvent
 * (bot/commands/command.ts), or says why it steers nothing:
 * - `issue_comment` `created` on a pull request → `comment` (an edit or a deletion, a comment
 *   on an issue, and anything a bot wrote steer nothing);
 * - `check_run` `rerequested` ("Re-run") → `rerun-job`, and `requested_action` with the Cancel
 *   button's identifier → `cancel-job`; the job is the check run's external id, so a check
 *   run without one is none of Flotilla's;
 * - `check_suite` `rerequested` ("Re-run all checks") → `rerun-commit` of its head commit.
 * Who may steer is not decided here: `sender` is whoever commented or pressed the button.
 * An event listed here must also be stored by bot/forges/github/stored-events.ts.
 */
import type { SteerEvent } from "../../runs/steer-event.ts";
import { fail, ok, type Result } from "../../../protocol/result.ts";
import { CANCEL_BUTTON } from "../../runs/links.ts";
import { repoRef } from "../../runs/repo-ref.ts";
import type { z } from "zod";
import { CheckRunActionEvent, CheckRunEvent, CheckSuiteEvent, IssueCommentEvent } from "./schema.ts";

type SteerResult = Result<SteerEvent>;

export function githubSteerEvent(deliveryId: string, name: string, payload: Record<string, unknown>): SteerResult {
  if (name === "issue_comment") return commentEvent(deliveryId, payload);
  if (name === "check_run") return checkRunEvent(deliveryId, payload);
  if (name === "check_suite") return checkSuiteEvent(deliveryId, payload);
  return fail(`event ${name} steers nothing`);
}

function commentEvent(deliveryId: string, payload: Record<string, unknown>): SteerResult {
  const parsed = parse(IssueCommentEvent, "issue_comment", payload);
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  if (event.action !== "created") return fail(`issue_comment ${event.action}: only a new comment steers`);
  if (!event.issue.pull_request) return fail(`issue_comment on #${event.issue.number}, an issue, not a pull request`);
  const bot = [event.sender, event.comment.user].find((user) => user.type === "Bot");
  if (bot) return fail(`issue_comment by ${bot.login}, a bot`);
  return ok<SteerEvent>({
    ...base(deliveryId, event),
    kind: "comment",
    pullNumber: event.issue.number,
    commentId: event.comment.id,
    body: event.comment.body,
  });
}

function checkRunEvent(deliveryId: string, payload: Record<string, unknown>): SteerResult {
  if (payload.action === "requested_action") {
    const parsed = parse(CheckRunActionEvent, "check_run", payload);
    if (!parsed.ok) return parsed;
    const event = parsed.value;
    const { identifier } = event.requested_action;
    if (identifier !== CANCEL_BUTTON.identifier) return fail(`check_run requested_action: no button "${identifier}"`);
    const jobId = jobOf(event);
    if (!jobId.ok) return jobId;
    return ok<SteerEvent>({ ...base(deliveryId, event), kind: "cancel-job", jobId: jobId.value });
  }
  const parsed = parse(CheckRunEvent, "check_run", payload);
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  if (event.action !== "rerequested") return fail(`check_run ${event.action} steers nothing`);
  const jobId = jobOf(event);
  if (!jobId.ok) return jobId;
  return ok<SteerEvent>({ ...base(deliveryId, event), kind: "rerun-job", jobId: jobId.value });
}

function checkSuiteEvent(deliveryId: string, payload: Record<string, unknown>): SteerResult {
  const parsed = parse(CheckSuiteEvent, "check_suite", payload);
  if (!parsed.ok) return parsed;
  const event = parsed.value;
  if (event.action !== "rerequested") return fail(`check_suite ${event.action} steers nothing`);
  return ok<SteerEvent>({ ...base(deliveryId, event), kind: "rerun-commit", headSha: event.check_suite.head_sha });
}

/** The job a check run stands for: Flotilla sets its external id to the job's id. */
function jobOf(event: z.infer<typeof CheckRunEvent>): Result<string> {
  const jobId = event.check_run.external_id;
  if (!jobId) return fail(`check_run ${event.action}: check run ${event.check_run.id} has no external id, so no job`);
  return ok(jobId);
}

function base(
  deliveryId: string,
  event: { repository: { full_name: string }; installation: { id: number }; sender: { login: string } },
) {
  return {
    forge: "github" as const,
    deliveryId,
    installationId: event.installation.id,
    repo: repoRef(event.repository.full_name),
    sender: event.sender.login,
  };
}

function parse<T extends z.ZodTypeAny>(schema: T, name: string, payload: unknown): Result<z.infer<T>> {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const field = issue?.path.join(".") ?? "";
  const missing = issue?.code === "invalid_type" && issue.received === "undefined";
  return fail(missing ? `${name} payload lacks ${field}` : `${name} payload: ${field}: ${issue?.message}`);
}
