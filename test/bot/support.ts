/**
 * The bot's core without its processes: a fresh Postgres database (migrated), the shared
 * NATS server under a unique prefix, the fake GitHub behind the real GitHub App code, and a
 * run planned with the planner's own pieces (parse, expand, store) — so scheduler and reporter
 * suites call release passes and reports directly. Nothing is mocked.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { openDb, type Db, type DbHandle } from "../../db/client.ts";
import { migrate } from "../../db/migrate.ts";
import { jobs } from "../../db/schema.ts";
import { decode, JobMessage } from "../../protocol/messages.ts";
import type { LeaseSettings } from "../../protocol/streams.ts";
import { connectBus, type Bus } from "../../bot/bus/connect.ts";
import { readBotConfig } from "../../bot/config.ts";
import type { Forge } from "../../bot/forges/forge.ts";
import { createGitHubApp } from "../../bot/forges/github/github-app.ts";
import { githubContext } from "../../bot/planner/github-context.ts";
import { jobSpec } from "../../bot/planner/job-message.ts";
import * as store from "../../bot/planner/store-run.ts";
import { currentJobsOf } from "../../bot/runs/current-jobs.ts";
import { checkRunName, statusContext } from "../../bot/runs/links.ts";
import { repoRef, type RepoRef } from "../../bot/runs/repo-ref.ts";
import type { JobRow, RunRow } from "../../bot/runs/rows.ts";
import type { RunContext } from "../../bot/runs/run-context.ts";
import type { ReleaseDeps, ReleaseHooks } from "../../bot/scheduler/release-jobs.ts";
import { settleNamespace } from "../../bot/scheduler/settle.ts";
import { expandJobs } from "../../bot/workflows/expand-jobs.ts";
import { parseWorkflow } from "../../bot/workflows/parse-workflow.ts";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.ts";
import { testLogger } from "../helpers/flotilla.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { appSettings, createAppCredentials } from "../helpers/github-app.ts";
import { sharedNatsUrl, uniquePrefix } from "../helpers/nats-server.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { runContext } from "../helpers/run-context.ts";

const INSTALLATION = 31;

export interface Core {
  db: Db;
  bus: Bus;
  fake: FakeGitHub;
  forge: Forge;
  repo: RepoRef;
  sha: string;
  /** The repository's work tree: commit to it for another head. */
  dir: string;
  lease: LeaseSettings;
  log: Logger;
  publicUrl: string;
  /** What release passes take (ReleaseDeps). */
  deps: ReleaseDeps;
  close(): Promise<void>;
}

export async function startCore(label: string): Promise<Core> {
  const database: TestDatabase = await createTestDatabase();
  const handle: DbHandle = await openDb({ url: database.url });
  await migrate(handle, database.url);
  const bus = await connectBus(sharedNatsUrl(), uniquePrefix(label), { name: `test-${label}`, jobMaxAgeDays: 1 });
  const app = createAppCredentials();
  const fake = await startFakeGitHub({ app });
  const scratch = await mkdtemp(join(tmpdir(), `flotilla-${label}-`));
  const repo = repoRef(`acme/${label}`);
  const created = await createRepo(join(scratch, label), { "README.md": "x\n" });
  await fake.addRepository({ owner: repo.owner, name: repo.name, dir: created.dir, installationId: INSTALLATION });
  const config = readBotConfig(appSettings(app, fake));
  const log = testLogger();
  const forge = await createGitHubApp(config, log).forge(INSTALLATION);
  const lease: LeaseSettings = { ackWaitMs: 30_000, maxDeliver: 3 };
  const publicUrl = "http://127.0.0.1:1";
  return {
    db: handle.db,
    bus,
    fake,
    forge,
    repo,
    sha: created.sha,
    dir: created.dir,
    lease,
    log,
    publicUrl,
    deps: { db: handle.db, bus, lease, log, publicUrl },
    async close() {
      await bus.nc.drain();
      await handle.close();
      await database.drop();
      await fake.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

let deliveries = 0;

/**
 * A run of `workflow` planned as the planner stores it, in the `default` namespace (or
 * `namespaces`): run and job rows with their specs, a queued check run per job and a pending
 * commit status per namespace — but nothing released yet. A push of `core.sha` unless
 * `overrides` say otherwise (a pull request's run: `eventName`, `ref`, `pullRequest`, a `sha`;
 * a forge's own `contexts`, which the workflow may then read, as the planner parses it).
 */
export async function planRun(
  core: Core,
  workflow: string,
  overrides: Partial<RunContext> = {},
  namespaces = ["default"],
): Promise<{ run: RunRow; rows: JobRow[] }> {
  const context = runContext({
    deliveryId: `delivery-${++deliveries}`,
    installationId: INSTALLATION,
    repo: core.repo,
    sha: core.sha,
    checkout: { cloneUrl: `https://github.com/${core.repo.fullName}.git` },
    ...overrides,
  });
  const parsed = await parseWorkflow(".flotilla/workflows/ci.yml", workflow, {
    contexts: Object.keys(context.contexts ?? {}),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.reason));
  const planned = expandJobs(parsed.value, {
    ...context.contexts,
    github: { event_name: "push", ref: context.ref },
    vars: {},
    inputs: {},
  });
  if (planned.problems.length > 0) throw new Error(JSON.stringify(planned.problems));
  const run = await store.upsertRun(core.db, context, parsed.value.path, parsed.value.name);
  run.githubContext = githubContext({
    context,
    payload: {},
    workflow: parsed.value,
    runId: run.id,
    runNumber: run.runNumber,
    serverUrl: "https://github.com",
    apiUrl: "https://api.github.com",
  });
  await store.setGithubContext(core.db, run.id, run.githubContext);
  const rows = await store.upsertJobs(core.db, run, planned.jobs, namespaces, (job) =>
    jobSpec({
      context,
      run,
      workflow: parsed.value,
      job,
      serverUrl: "https://github.com",
      apiUrl: "https://api.github.com",
      inputs: {},
    }),
  );
  for (const row of rows) {
    const { id } = await core.forge.createCheck(core.repo, {
      name: checkRunName(row.name, row.namespace),
      headSha: context.sha,
      detailsUrl: `${core.publicUrl}/jobs/${row.id}`,
      externalId: row.id,
      status: "queued",
    });
    await store.setJobCheckRun(core.db, row.id, id);
    row.checkRunId = id;
  }
  for (const namespace of namespaces) {
    const statusName = statusContext(parsed.value.name, namespace);
    await core.forge.setCommitStatus(core.repo, context.sha, {
      state: "pending",
      context: statusName,
      description: "Queued",
      targetUrl: core.publicUrl,
    });
    await store.recordStatus(core.db, run.id, namespace, statusName);
  }
  return { run, rows };
}

/** The hooks the reporter passes to a release pass. */
export function hooksFor(core: Core, run: RunRow): ReleaseHooks {
  return {
    forge: core.forge,
    cloneToken: async () => undefined,
    onCompleted: (row) => settleNamespace(core.db, core.forge, run, row.namespace, core.publicUrl),
  };
}

/** The run's job rows of its current attempt, by job key. */
export async function rowsByKey(core: Core, runId: string): Promise<Map<string, JobRow>> {
  const rows = await core.db.select().from(jobs).where(currentJobsOf(runId));
  return new Map(rows.map((row) => [row.jobKey, row]));
}

/** The job's message as JetStream holds it (the one its row's `stream_seq` names). */
export async function publishedMessage(core: Core, row: JobRow): Promise<JobMessage> {
  if (row.streamSeq === null) throw new Error(`${row.jobKey} was not published`);
  const msg = await core.bus.jsm.streams.getMessage(core.bus.names.jobsStream(row.namespace), {
    seq: Number(row.streamSeq),
  });
  if (!msg) throw new Error(`no message ${row.streamSeq}`);
  return decode(JobMessage, msg.data, "job message");
}

/** Messages in the namespace's jobs stream. */
export async function streamMessages(core: Core, namespace = "default"): Promise<number> {
  const info = await core.bus.jsm.streams.info(core.bus.names.jobsStream(namespace));
  return info.state.messages;
}
