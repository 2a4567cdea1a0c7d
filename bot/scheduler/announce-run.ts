/**
 * `on: workflow_run`: a Flotilla run of a GitHub repository, once requested (planned) and once
 * completed, is put on the events stream as GitHub's `workflow_run` payload, so workflows of the
 * same repository that name it run after it — planned like any delivery. The delivery id is the
 * run's (and attempt's), so announcing twice (a redelivered plan, two reporters settling) makes
 * one event. Only runs of workflows that a default-branch workflow follows are announced
 * (bot/runs/followed-workflows.ts). As on GitHub, a chain of `workflow_run` runs stops at three levels.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../../db/client.ts";
import { runs } from "../../db/schema.ts";
import type { Bus } from "../bus/connect.ts";
import { eventPublisher } from "../ingest/publish-event.ts";
import { isFollowed } from "../runs/followed-workflows.ts";
import { runUrl } from "../runs/links.ts";
import type { RunRow } from "../runs/rows.ts";

export interface AnnounceDeps {
  db: Db;
  bus: Bus;
  publicUrl: string;
}

/** GitHub's limit: a run started by a run started by a run starts nothing more. */
const MAX_LEVELS = 3;

/** Publishes the run's `workflow_run` event for `action`; made by `announcerOf`, which did the reads. */
export type Announce = (action: "requested" | "completed", conclusion?: string) => Promise<void>;

/**
 * What announcing this run takes, read now (Postgres) so that announcing itself only publishes:
 * it is called inside the transaction that completes the run, which must not wait on another
 * connection (PGlite has one). Undefined when the run is not announced at all.
 */
export async function announcerOf(deps: AnnounceDeps, run: RunRow): Promise<Announce | undefined> {
  if (run.forge !== "github" || run.installationId === null) return undefined;
  const installationId = run.installationId;
  const github = run.githubContext as {
    event?: { repository?: { default_branch?: string } };
    head_ref?: string;
    ref_name?: string;
    actor?: string;
  };
  const repository = github.event?.repository;
  if (!repository?.default_branch) return undefined;
  if (!(await isFollowed(deps.db, { forge: run.forge, repositoryName: run.repository }, run.workflowName)))
    return undefined;
  if ((await level(deps.db, run)) >= MAX_LEVELS) return undefined;
  const url = runUrl(deps.publicUrl, run.id, run.accessToken);
  const publish = eventPublisher(deps.bus.js, deps.bus.names);
  return async (action, conclusion) => {
    await publish({
      v: 1,
      forge: "github",
      deliveryId: `workflow_run-${action}-${run.id}-${run.attempt}`,
      name: "workflow_run",
      payload: {
        action,
        workflow_run: {
          id: run.id,
          name: run.workflowName,
          path: run.workflowPath,
          display_title: run.workflowName,
          run_number: run.runNumber,
          run_attempt: run.attempt,
          event: run.eventName,
          // A pull request's run is on its head branch, as GitHub reports it.
          head_branch: github.head_ref || github.ref_name || null,
          head_sha: run.sha,
          status: action === "completed" ? "completed" : "queued",
          conclusion: action === "completed" ? (conclusion ?? null) : null,
          html_url: url,
          created_at: run.createdAt.toISOString(),
        },
        workflow: { name: run.workflowName, path: run.workflowPath },
        repository,
        installation: { id: installationId },
        sender: { login: github.actor ?? "", type: "User" },
      },
      receivedAt: new Date().toISOString(),
    });
  };
}

/** 1 for a run started by anything but `workflow_run`, one more for each `workflow_run` above it. */
async function level(db: Db, run: RunRow): Promise<number> {
  let levels = 1;
  let current: RunRow | undefined = run;
  while (current?.eventName === "workflow_run" && levels < MAX_LEVELS) {
    levels += 1;
    const event = (current.githubContext as { event?: { workflow_run?: { id?: unknown } } }).event;
    const id = event?.workflow_run?.id;
    if (typeof id !== "string") break;
    [current] = await db.select().from(runs).where(eq(runs.id, id));
  }
  return levels;
}
