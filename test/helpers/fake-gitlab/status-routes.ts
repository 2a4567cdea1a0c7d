/**
 * Commit statuses (`POST /projects/:id/statuses/:sha`, `GET …/repository/commits/:sha/statuses`)
 * with GitLab's state machine, which bots trip over:
 * - GitLab looks for a pending or running status with the same sha, name and ref and moves it
 *   (same id); finding none (or only finished ones) it creates a new one, from which any state
 *   may be posted.
 * - Moving a pending/running status goes through its state machine: pending→pending
 *   (`enqueue`), running→running (`run`), running→pending (`enqueue`) and running→skipped
 *   (`skip`) are refused with 400 `Cannot transition status via :run from :running (Reason(s):
 *   Status cannot transition via "run")` and nothing is recorded (see lib/api/commit_statuses.rb
 *   and the reports of that message from bots posting "running" twice).
 * - Without `ref`, the status goes on the first branch holding the commit; a commit on no branch
 *   (a fork MR's head, only under refs/merge-requests) is 404 "References for commit".
 */
import { json, message, notFound, nowIso, paginate, str, type Reply } from "./http.ts";
import { statusObject } from "./objects.ts";
import { branchesContaining, resolveCommit } from "./repo-git.ts";
import type { Route, RouteContext } from "./router.ts";
import type { FakeGitLabStatus, StatusState } from "./types.ts";

const EVENTS: Record<StatusState, string> = {
  pending: "enqueue",
  running: "run",
  success: "success",
  failed: "drop",
  canceled: "cancel",
  skipped: "skip",
};

/** What a pending or running status may move to (anything else is an invalid transition). */
const ALLOWED: Record<"pending" | "running", StatusState[]> = {
  pending: ["running", "success", "failed", "canceled", "skipped"],
  running: ["success", "failed", "canceled"],
};

/** Each status id's current record (the last one posted for it), in id order. */
function currentRows(statuses: FakeGitLabStatus[], projectId: number, sha: string): FakeGitLabStatus[] {
  const rows = new Map<number, FakeGitLabStatus>();
  for (const s of statuses) if (s.projectId === projectId && s.sha === sha) rows.set(s.id, s);
  return [...rows.values()].sort((a, b) => a.id - b.id);
}

const createdAt = (statuses: FakeGitLabStatus[], id: number): string =>
  new Date(statuses.find((s) => s.id === id)?.at ?? Date.now()).toISOString();

async function postStatus(ctx: RouteContext): Promise<Reply> {
  const state = str(ctx.params.state);
  if (state === undefined) return json(400, { error: "state is missing" });
  if (!(state in EVENTS)) return json(400, { error: "state does not have a valid value" });
  const wanted = state as StatusState;
  const { gitDir, project } = ctx.project;
  const sha = await resolveCommit(gitDir, ctx.path.sha ?? "");
  if (!sha) return notFound("Commit");
  const ref = str(ctx.params.ref) ?? (await branchesContaining(gitDir, sha))[0];
  if (!ref) return notFound("References for commit");
  const name = str(ctx.params.name) ?? str(ctx.params.context) ?? "default";
  const live = currentRows(ctx.state.statuses, project.id, sha)
    .filter((s) => s.name === name && s.ref === ref && (s.status === "pending" || s.status === "running"))
    .pop();
  if (live && !ALLOWED[live.status as "pending" | "running"].includes(wanted)) {
    const event = EVENTS[wanted];
    return message(
      400,
      `Cannot transition status via :${event} from :${live.status} (Reason(s): Status cannot transition via "${event}")`,
    );
  }
  const record: FakeGitLabStatus = {
    id: live?.id ?? ctx.state.nextId("status"),
    projectId: project.id,
    sha,
    name,
    status: wanted,
    targetUrl: str(ctx.params.target_url) ?? live?.targetUrl ?? null,
    description: str(ctx.params.description) ?? live?.description ?? null,
    ref,
    at: Date.now(),
  };
  ctx.state.statuses.push(record);
  return json(201, statusObject(ctx.state, record, live ? createdAt(ctx.state.statuses, live.id) : nowIso()));
}

async function listStatuses(ctx: RouteContext): Promise<Reply> {
  const sha = await resolveCommit(ctx.project.gitDir, ctx.path.sha ?? "");
  if (!sha) return notFound("Commit");
  const ref = str(ctx.params.ref);
  const name = str(ctx.params.name);
  let rows = currentRows(ctx.state.statuses, ctx.project.project.id, sha)
    .filter((s) => ref === undefined || s.ref === ref)
    .filter((s) => name === undefined || s.name === name);
  if (str(ctx.params.all) !== "true") {
    const latest = new Map<string, FakeGitLabStatus>();
    for (const s of rows) latest.set(s.name, s);
    rows = [...latest.values()];
  }
  const page = paginate(rows, ctx.url);
  return {
    ...page,
    body: page.body.map((s) => statusObject(ctx.state, s, createdAt(ctx.state.statuses, s.id))),
  };
}

export function statusRoutes(): Route[] {
  return [
    { method: "POST", template: "/projects/:id/statuses/:sha", handle: postStatus },
    { method: "GET", template: "/projects/:id/repository/commits/:sha/statuses", handle: listStatuses },
  ];
}
