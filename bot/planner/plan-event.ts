/**
 * The planner: one forge event in, runs and jobs out. Fetches the workflow files at the
 * event's commit, records runs and jobs, creates the queued check runs and pending statuses,
 * and publishes each job on its labelset subject. Safe to run in several bot processes.
 */
import type { Logger } from "pino";
import type { Db } from "../../db/client.ts";
import { encode, type ForgeEvent } from "../../protocol/messages.ts";
import { labelsetToken } from "../../protocol/labels.ts";
import { ensureJobConsumer } from "../../protocol/setup.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import type { Bus } from "../bus/connect.ts";
import type { Forge } from "../forges/forge.ts";
import { githubRunContext } from "../forges/github/event-context.ts";
import { matchesEvent } from "../workflows/matches-event.ts";
import { parseWorkflow } from "../workflows/parse-workflow.ts";
import type { Workflow } from "../workflows/workflow.ts";
import { reportBrokenWorkflow } from "./broken-workflow.ts";
import { jobMessage } from "./job-message.ts";
import { checkRunName, jobUrl, runUrl, statusContext } from "./links.ts";
import type { RunContext } from "./run-context.ts";
import * as store from "./store-run.ts";

export const WORKFLOW_DIR = ".flotilla/workflows";

export interface PlannerDeps {
  db: Db;
  bus: Bus;
  forgeFor: (context: RunContext) => Promise<Forge>;
  publicUrl: string;
  serverUrl: string;
  apiUrl: string;
  lease: LeaseSettings;
  log: Logger;
}

export async function planEvent(deps: PlannerDeps, event: ForgeEvent): Promise<void> {
  const log = deps.log.child({ delivery: event.deliveryId, event: event.name });
  const result = event.forge === "github" ? githubRunContext(event.deliveryId, event.name, event.payload) : { skip: `${event.forge} is not wired yet` };
  if ("skip" in result) {
    log.debug({ reason: result.skip }, "event starts nothing");
    return;
  }
  const context = result.context;
  if (!(await store.claimDelivery(deps.db, context, event.name))) {
    log.info("delivery already planned");
    return;
  }
  const forge = await deps.forgeFor(context);
  const files = await forge.listWorkflowFiles(context.repo, context.sha, WORKFLOW_DIR);
  const token = lazy(() => cloneToken(forge, context, log));
  await Promise.all(
    files.map(async (file) => {
      const parsed = parseWorkflow(file.path, file.content);
      if (!parsed.ok) return reportBrokenWorkflow(deps, forge, context, file.path, parsed.problems);
      if (!matchesEvent(parsed.workflow.on, context)) return;
      await planRun(deps, forge, context, parsed.workflow, token, log);
    }),
  );
  await store.markPlanned(deps.db, context.deliveryId);
  log.info({ workflows: files.length }, "delivery planned");
}

async function planRun(deps: PlannerDeps, forge: Forge, context: RunContext, workflow: Workflow, token: () => Promise<string | undefined>, parentLog: Logger) {
  const run = await store.upsertRun(deps.db, context, workflow.path, workflow.name);
  const log = parentLog.child({ run: run.id, workflow: workflow.path });
  const namespaces = await store.namespaceNames(deps.db);
  const rows = await store.upsertJobs(deps.db, run, workflow, namespaces);
  // Minted (or taken from the cache) while the check runs are being created.
  const cloneToken = token();

  await Promise.all([
    ...rows
      .filter((row) => row.checkRunId === null)
      .map(async (row) => {
        const { id } = await forge.createCheck(context.repo, {
          name: checkRunName(row.name, row.namespace),
          headSha: context.sha,
          detailsUrl: jobUrl(deps.publicUrl, row.id, run.accessToken),
          externalId: row.id,
          status: "queued",
        });
        await store.setJobCheckRun(deps.db, row.id, id);
      }),
    ...(await store.missingStatuses(deps.db, run.id, namespaces)).map(async (namespace) => {
      const statusName = statusContext(workflow.name, namespace);
      await forge.setCommitStatus(context.repo, context.sha, {
        state: "pending",
        context: statusName,
        description: "Queued",
        targetUrl: runUrl(deps.publicUrl, run.id, run.accessToken),
      });
      await store.recordStatus(deps.db, run.id, namespace, statusName);
    }),
  ]);

  const tokenForJobs = await cloneToken;
  await Promise.all(
    workflow.jobs.map(async (job) => {
      const mine = rows.filter((r) => r.jobKey === job.key);
      if (mine.every((r) => r.publishedAt !== null)) return;
      // Consumers first: the jobs stream keeps a message only for consumers that exist.
      await Promise.all(mine.map((r) => ensureJobConsumer(deps.bus.jsm, deps.bus.labelsets, deps.bus.names, r.namespace, job.runsOn, deps.lease)));
      const message = jobMessage({ context, run, workflow, job, rows, token: tokenForJobs, serverUrl: deps.serverUrl, apiUrl: deps.apiUrl });
      await deps.bus.js.publish(deps.bus.names.jobsSubject(labelsetToken(job.runsOn)), encode(message), { msgID: `${run.id}:${job.key}:1` });
      await store.markPublished(deps.db, run.id, job.key);
    }),
  );
  log.info({ jobs: workflow.jobs.length, namespaces: namespaces.length }, "run planned");
}

/**
 * A fork's head repository is not ours to mint tokens for: public forks clone anonymously. For
 * our own repository the token can read only this repository's contents.
 */
async function cloneToken(forge: Forge, context: RunContext, log: Logger): Promise<string | undefined> {
  if (context.fork && !context.checkout.private) return undefined;
  try {
    return await forge.cloneToken(context.checkout.repo);
  } catch (error) {
    if (context.fork) {
      log.warn({ err: error }, "no token for the fork's repository; cloning anonymously");
      return undefined;
    }
    throw error;
  }
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= make());
}
