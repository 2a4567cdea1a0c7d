/**
 * The planner: one forge event in, runs and jobs out. Fetches the workflow files at the
 * event's commit, records runs and jobs, creates the queued check runs and pending statuses,
 * and publishes each job on its labelset subject. Safe to run in several bot processes.
 */
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import type { ForgeEvent } from "../../protocol/messages.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import type { Bus } from "../bus/connect.ts";
import type { Forge, NewCheck } from "../forges/forge.ts";
import type { Forges } from "../forges/forge-kind.ts";
import { matchesEvent } from "../workflows/matches-event.ts";
import { parseWorkflow } from "../workflows/parse-workflow.ts";
import type { Workflow } from "../workflows/workflow.ts";
import { allSettled } from "./all-settled.ts";
import { reportBrokenWorkflow } from "./broken-workflow.ts";
import { createCheckOnce } from "../scheduler/create-check-once.ts";
import { expandJobs } from "../workflows/expand-jobs.ts";
import { settleNamespace } from "../scheduler/settle.ts";
import { cloneTokenForRun } from "../scheduler/clone-token.ts";
import {
  assignJobGroups,
  enterRunGroup,
  finishCancelledWhilePlanning,
  jobGroups,
  markRunWaiting,
  runGroup,
} from "./concurrency.ts";
import { githubContext } from "./github-context.ts";
import { jobSpec } from "./job-message.ts";
import { releaseReadyJobs, releaseRun } from "../scheduler/release-jobs.ts";
import { announcerOf } from "../scheduler/announce-run.ts";
import { resolveCalls } from "./reusable-workflows.ts";
import { useTestMerge } from "./test-merge.ts";
import { checkRunName, jobUrl, runUrl, statusContext } from "../runs/links.ts";
import { type RunContext, runSha } from "../runs/run-context.ts";
import { queuedExplanation, readFleet } from "../fleet/queued-explanation.ts";
import * as store from "./store-run.ts";
import { claimDelivery, markDelivered } from "../runs/deliveries.ts";
import { approvalNeeded } from "./fork-gate.ts";
import { pushToDefaultBranch, recordSchedules } from "../schedules/record-schedules.ts";
import { notTriggering, triggers } from "../runs/triggering-events.ts";
import { replaceFollowedWorkflows } from "../runs/followed-workflows.ts";

export const WORKFLOW_DIR = ".flotilla/workflows";

export interface PlannerDeps {
  db: Db;
  /** FORK_PR_TRUSTED, split (see fork-gate.ts). */
  forkTrusted: string[];
  bus: Bus;
  forges: Forges;
  publicUrl: string;
  lease: LeaseSettings;
  log: Logger;
  /** Wakes every bot's schedule timer after a push to a default branch changed its schedules (bot/schedules/). */
  announceSchedules?: () => Promise<void>;
}

export async function planEvent(deps: PlannerDeps, event: ForgeEvent): Promise<void> {
  const log = deps.log.child({ delivery: event.deliveryId, event: event.name });
  const result = deps.forges.runContext(event);
  if (!result.ok) {
    log.debug({ reason: result.reason }, "event starts nothing");
    return;
  }
  const context = result.value;
  if (!(await claimDelivery(deps.db, context, event.name))) {
    log.info("delivery already planned");
    return;
  }
  const forge = await deps.forges.forgeOf(context);
  const { serverUrl } = deps.forges.kind(context.forge);
  if (!context.sha) {
    const sha = await forge.commitSha(context.repo, context.ref);
    if (!sha) {
      log.warn({ ref: context.ref }, "the event's ref has no commit; nothing to run");
      return markDelivered(deps.db, context.deliveryId);
    }
    context.sha = sha;
  }
  if (context.pullRequest) await store.recordPullRequest(deps.db, context);
  // A pull request runs at its test merge, or not at all (see test-merge.ts).
  if (!(await useTestMerge({ serverUrl, log }, forge, context, event.receivedAt)))
    return markDelivered(deps.db, context.deliveryId);
  const held = await approvalNeeded(
    { db: deps.db, trusted: deps.forkTrusted, permission: (repo, login) => forge.permission(repo, login) },
    context,
  );
  const listed = await forge.listWorkflowFiles(context.repo, runSha(context), WORKFLOW_DIR);
  // A dispatch starts the one workflow it names.
  const files = context.workflowPath ? listed.filter((f) => f.path === context.workflowPath) : listed;
  const token = lazy(() => cloneTokenForRun(forge, context));
  // Workflows may read what the forge adds (`gitlab` on GitLab) only on its runs.
  // A job Flotilla cannot run fails by itself; the workflow's other jobs run.
  const parseOptions = { contexts: Object.keys(context.contexts ?? {}), perJob: true };
  const parsed = await Promise.all(
    files.map(async (file) => ({ file, result: await parseWorkflow(file.path, file.content, parseOptions) })),
  );
  // A pull request's changed files cost API calls: ask only when a workflow filters on paths.
  if (
    context.pullRequest &&
    context.changedFiles === undefined &&
    parsed.some(({ result }) => result.ok && wantsPaths(result.value))
  ) {
    context.changedFiles = await forge.changedFiles(context.repo, context.pullRequest.number);
  }
  // The default branch's workflows decide what is scheduled and which workflows are followed.
  if (pushToDefaultBranch(context)) {
    const repository = (event.payload.repository ?? {}) as Record<string, unknown>;
    const workflows = parsed.map(({ file, result }) => ({ path: file.path, result }));
    if (deps.announceSchedules)
      await recordSchedules({ db: deps.db, announce: deps.announceSchedules }, context, repository, workflows);
    const followed = parsed.flatMap(({ result }) => (result.ok ? (result.value.on.workflow_run?.workflows ?? []) : []));
    await replaceFollowedWorkflows(deps.db, { forge: context.forge, repositoryName: context.repo.fullName }, followed);
    // Said once per push to the default branch, not on every event.
    for (const { file, result } of parsed)
      for (const name of result.ok ? result.value.on.other.filter((name) => !triggers(name)) : [])
        log.info({ workflow: file.path, note: notTriggering(name) }, "event in on: starts nothing");
  }
  await allSettled(
    parsed.map(async ({ file, result }) => {
      if (!result.ok) return reportBrokenWorkflow(deps, forge, context, file.path, result.reason);
      const workflow = result.value;
      if (!matchesEvent(workflow.on, context)) return;
      // Workflows it calls (`jobs.<id>.uses`) are fetched now, at the run's commit or their `@ref`.
      await resolveCalls(workflow, forge, { repo: context.repo, ref: runSha(context) }, parseOptions);
      await planRun(deps, forge, context, workflow, withInputDefaults(event.payload, workflow), token, log, held);
    }),
  );
  if (held && files.length === 0) await holdWithoutWorkflow(deps, forge, context, held);
  await markDelivered(deps.db, context.deliveryId);
  log.info({ workflows: files.length }, "delivery planned");
}

async function planRun(
  deps: PlannerDeps,
  forge: Forge,
  context: RunContext,
  workflow: Workflow,
  payload: Record<string, unknown>,
  token: () => Promise<string | undefined>,
  parentLog: Logger,
  /** Why a fork's PR waits for `/ok-to-test`: then nothing is published. */
  held: string | undefined,
) {
  const { serverUrl, apiUrl, actionsUrl } = deps.forges.kind(context.forge);
  const contextInputs = { context, payload, workflow, serverUrl, apiUrl };
  // Names and runs-on are decided before the run row exists: all of `github` but its run id and number.
  const {
    run_id: _id,
    run_number: _number,
    ...planGithub
  } = githubContext({ ...contextInputs, runId: "", runNumber: 0 });
  const inputs = (payload.inputs as Record<string, unknown> | undefined) ?? {};
  // The forge's own contexts (`gitlab`) come first: none of GitHub's is replaced by one.
  const expansion = expandJobs(
    workflow,
    { ...context.contexts, github: planGithub, vars: {}, inputs },
    { perJob: true },
  );
  if (expansion.problems.length > 0)
    return reportBrokenWorkflow(deps, forge, context, workflow.path, expansion.problems);
  // `jobs.<id>.concurrency`, per leg (it may use `matrix`).
  const jobConcurrency = jobGroups(expansion.jobs, { ...context.contexts, github: planGithub, inputs });
  if (jobConcurrency.problems.length > 0)
    return reportBrokenWorkflow(deps, forge, context, workflow.path, jobConcurrency.problems);
  const run = await store.upsertRun(deps.db, context, workflow.path, workflow.name, undefined, planGithub);
  const log = parentLog.child({ run: run.id, workflow: workflow.path });
  // Written by the insert; a run stored by an earlier attempt may lack it (stored before it was).
  const stored = run.githubContext.run_id === run.id;
  run.githubContext = githubContext({ ...contextInputs, runId: run.id, runNumber: run.runNumber });
  if (!stored) await store.setGithubContext(deps.db, run.id, run.githubContext);
  // `on: workflow_run` with `requested`: workflows that follow this one start now.
  await (await announcerOf(deps, run))?.("requested");
  const following = await store.namespacesFollowing(deps.db, context.repo.fullName);
  const namespaces = following.map((ns) => ns.name);
  // Read while the jobs are stored: each queued check run says what its job waits for.
  const fleetRead = readFleet(deps.db, namespaces);
  fleetRead.catch(() => {}); // awaited below; a failure surfaces there
  const group = runGroup(workflow, { ...context.contexts, github: planGithub, inputs });
  const rows = await store.upsertJobs(
    deps.db,
    run,
    expansion.jobs,
    namespaces,
    (job) => jobSpec({ context, run, workflow, job, serverUrl, apiUrl, actionsUrl, inputs }),
    Object.fromEntries(following.map((ns) => [ns.name, ns.aliases])),
  );
  await assignJobGroups(deps.db, run, jobConcurrency.groups);
  const releaseDeps = { db: deps.db, bus: deps.bus, lease: deps.lease, log, publicUrl: deps.publicUrl };
  // The workflow's group: the run may have to wait (its check runs say so from the start), or cancel older runs.
  const entry =
    group && run.status !== "completed" && !held
      ? await enterRunGroup({ db: deps.db, bus: deps.bus, forge, publicUrl: deps.publicUrl, log }, run, group)
      : undefined;
  if (entry?.waiting) await markRunWaiting(deps.db, run, entry.waiting);
  // Minted (or taken from the cache) while the check runs are being created.
  const cloneToken = token();
  const unchecked = rows.filter((row) => row.checkRunId === null);
  const fleet = await fleetRead;
  if (held) await store.holdForApproval(deps.db, run.id, held);
  const requestedBefore = await store.requestJobChecks(
    deps.db,
    unchecked.map((row) => row.id),
  );

  // Read before any write starts: a write that fails while this read is awaited would have no
  // handler yet (an unhandled rejection), since allSettled only sees the list once it is built.
  const missingStatuses = await store.missingStatuses(deps.db, run.id, namespaces);
  await allSettled([
    ...unchecked.map(async (row) => {
      // Labels that read `needs` are not known yet: the fleet cannot be asked about them.
      const waitingFor = row.spec?.deferred?.runsOn
        ? {
            title: "Waiting for its needs",
            summary: `\`runs-on\` reads \`needs\`: the job's labels are decided when ${row.needs.map((n) => `\`${n}\``).join(", ")} are done.`,
          }
        : queuedExplanation(fleet, row.namespace, row.labels);
      const check: NewCheck = {
        name: checkRunName(row.name, row.namespace),
        headSha: context.sha,
        detailsUrl: jobUrl(deps.publicUrl, row.id, run.accessToken),
        externalId: row.id,
        status: "queued",
        output: entry?.waiting
          ? {
              title: entry.waiting,
              summary: `${entry.waiting}. At most one run of a concurrency group runs at a time; this run starts when that one completes, unless a newer run of the group replaces it.\n\n${waitingFor.summary}`,
            }
          : waitingFor,
        // Held for approval: born finished, asking for it (GitHub takes action_required only on completed checks).
        ...(held
          ? { status: "completed", conclusion: "action_required", output: { title: APPROVAL_TITLE, summary: held } }
          : {}),
      };
      const id = await createCheckOnce(forge, context.repo, check, requestedBefore.has(row.id));
      await store.setJobCheckRun(deps.db, row.id, id);
      row.checkRunId = id;
    }),
    ...missingStatuses.map(async (namespace) => {
      const statusName = statusContext(workflow.name, namespace);
      await forge.setCommitStatus(context.repo, context.sha, {
        state: "pending",
        context: statusName,
        description: held ? "Waiting for a maintainer's /ok-to-test" : "Queued",
        targetUrl: runUrl(deps.publicUrl, run.id, run.accessToken),
        namespace,
      });
      await store.recordStatus(deps.db, run.id, namespace, statusName);
    }),
  ]);

  if (held) {
    log.info({ jobs: expansion.jobs.length }, "fork pull request held for approval");
    return;
  }
  // Replaced by a newer waiting run while its check runs were being created: say so on them.
  if (entry?.waiting) await finishCancelledWhilePlanning(deps.db, forge, run, deps.publicUrl, deps.bus);
  await releaseReadyJobs(releaseDeps, run, {
    forge,
    cloneToken: () => cloneToken,
    onCompleted: (row) => settleNamespace(deps.db, forge, run, row.namespace, deps.publicUrl, deps.bus),
  });
  // Runs this one cancelled hand over the job groups they held; a waiter it found overdue starts.
  for (const other of [...(entry?.cancelled ?? []), ...(entry?.promoted ? [entry.promoted] : [])])
    await releaseRun(releaseDeps, other, forge);
  log.info({ jobs: expansion.jobs.length, namespaces: namespaces.length }, "run planned");
}

const APPROVAL_TITLE = "Waiting for approval: a maintainer comments /ok-to-test";

/** A held fork PR with no workflow to show it on: one `flotilla` check run asks for the approval. */
async function holdWithoutWorkflow(deps: PlannerDeps, forge: Forge, context: RunContext, held: string) {
  const check: NewCheck = {
    name: "flotilla",
    headSha: context.sha,
    detailsUrl: deps.publicUrl,
    externalId: `approval:${context.sha}`,
    status: "completed",
    conclusion: "action_required",
    output: { title: APPROVAL_TITLE, summary: held },
  };
  await createCheckOnce(forge, context.repo, check, true);
}

/** A dispatch's inputs as jobs see them: what was given, else each input's default. */
function withInputDefaults(payload: Record<string, unknown>, workflow: Workflow): Record<string, unknown> {
  const declared = workflow.on.workflow_dispatch?.inputs;
  if (!declared) return payload;
  const given = (payload.inputs as Record<string, unknown> | null | undefined) ?? {};
  const inputs = Object.fromEntries(
    Object.entries(declared).map(([name, input]) => [
      name,
      given[name] ?? input.default ?? (input.type === "boolean" ? false : ""),
    ]),
  );
  return { ...payload, inputs };
}

function wantsPaths(workflow: Workflow): boolean {
  const pr = workflow.on.pull_request;
  return Boolean(pr && (pr.paths || pr.pathsIgnore));
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}
