/**
 * The system under test, deployed as it would be: `flotilla bot` and four `flotilla runner
 * start` processes against NATS, Postgres and the fake GitHub (reached through GHE_HOST); the
 * bot serves the fake GitLab too (GITLAB_URL, hooks at `PUBLIC_URL/gitlab/webhook`).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { BIN } from "../test/helpers/flotilla-bin.ts";
import { startFakeGitHub, type FakeGitHub, type FakeRepository } from "../test/helpers/fake-github.ts";
import { startFakeGitLab, type FakeGitLab } from "../test/helpers/fake-gitlab.ts";
import { freePort } from "../test/helpers/free-port.ts";
import { deleteStreamsOf } from "../test/helpers/nats-cleanup.ts";
import { appSettings, createAppCredentials, type AppCredentials } from "../test/helpers/github-app.ts";
import { createRepo } from "../test/helpers/git-repo.ts";
import { sharedNatsUrl, uniquePrefix } from "../test/helpers/nats-server.ts";
import { createTestDatabase, type TestDatabase } from "../test/helpers/postgres.ts";
import { runnerStartArgs } from "../test/helpers/runner-process.ts";
import { startStatementCounter } from "./statement-counter.ts";

/** One repository per scenario, each with one workflow. */
const SCENARIOS = {
  noop: 'name: noop\non: push\njobs:\n  noop:\n    runs-on: self-hosted\n    steps:\n      - run: "true"\n',
  // 256 legs on a label no runner has: planning alone is measured, nothing runs.
  matrix: `name: matrix\non: push\njobs:\n  leg:\n    runs-on: [self-hosted, bench-nowhere]\n    strategy:\n      matrix:\n        a: [${[...Array(16).keys()].join(", ")}]\n        b: [${[...Array(16).keys()].join(", ")}]\n    steps:\n      - run: "true"\n`,
  // Only the runner that bench/runner-memory.ts starts has this label.
  memory:
    'name: memory\non: push\njobs:\n  noop:\n    runs-on: [self-hosted, bench-memory]\n    steps:\n      - run: "true"\n',
  chain:
    'name: chain\non: push\njobs:\n  one:\n    runs-on: self-hosted\n    steps:\n      - run: "true"\n  two:\n    needs: one\n    runs-on: self-hosted\n    steps:\n      - run: "true"\n  three:\n    needs: two\n    runs-on: self-hosted\n    steps:\n      - run: "true"\n',
} as const;

export type Scenario = keyof typeof SCENARIOS;

export interface Fleet {
  app: AppCredentials;
  fake: FakeGitHub;
  /** `dir`: the repository's work tree, where a bench may commit (the fake serves it as it is). */
  repos: Record<Scenario, { repo: FakeRepository; sha: string; dir: string }>;
  webhookUrl: string;
  /** The fake GitLab the bot also serves, where its hooks go, and their secret token. */
  gitlab: FakeGitLab;
  gitlabHookUrl: string;
  gitlabSecret: string;
  prefix: string;
  natsUrl: string;
  /** The bot's database: the floor's Postgres round trips go there too. */
  databaseUrl: string;
  /** Postgres statements the bot has sent so far (counted on the wire, statement-counter.ts). */
  statements(): number;
  /** The same by statement text. */
  statementsByText(): Map<string, number>;
  close(): Promise<void>;
}

export async function startFleet(runnerCount: number): Promise<Fleet> {
  const app = createAppCredentials();
  const fake = await startFakeGitHub({ app: { appId: app.appId, publicKey: app.publicKey } });
  const gitlab = await startFakeGitLab();
  const gitlabSecret = randomBytes(16).toString("hex");
  const database: TestDatabase = await createTestDatabase();
  const counter = await startStatementCounter(database.url);
  const scratch = await mkdtemp(join(tmpdir(), "flotilla-bench-"));
  const repos = {} as Fleet["repos"];
  for (const [name, workflow] of Object.entries(SCENARIOS) as [Scenario, string][]) {
    const dir = join(scratch, `repo-${name}`);
    const { sha } = await createRepo(dir, { "README.md": "bench\n", [`.flotilla/workflows/${name}.yml`]: workflow });
    repos[name] = {
      repo: await fake.addRepository({ owner: "bench", name, dir, private: true, installationId: 9 }),
      sha,
      dir,
    };
  }
  const port = await freePort();
  const prefix = uniquePrefix("bench");
  const natsUrl = sharedNatsUrl();
  // BENCH_NODE_ARGS go to the bot's and runners' node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const processes = flotillaProcesses({ home: scratch, natsUrl, prefix, nodeArgs });
  processes.start(["bot"], {
    ...botEnv(fake, app, port, counter.url),
    GITLAB_URL: gitlab.url,
    GITLAB_TOKEN: gitlab.token,
    GITLAB_WEBHOOK_SECRET: gitlabSecret,
  });
  for (let i = 0; i < runnerCount; i++)
    processes.start(runnerStartArgs({ natsUrl, prefix, name: `bench-${i}`, workDir: join(scratch, `runner-${i}`) }));
  await waitForHealth(`http://127.0.0.1:${port}/healthz`);
  return {
    app,
    fake,
    repos,
    webhookUrl: `http://127.0.0.1:${port}/api/github/webhooks`,
    gitlab,
    gitlabHookUrl: `http://127.0.0.1:${port}/gitlab/webhook`,
    gitlabSecret,
    prefix,
    natsUrl,
    databaseUrl: database.url,
    statements: counter.count,
    statementsByText: counter.byText,
    async close() {
      await processes.stop();
      await counter.close();
      await deleteStreamsOf(natsUrl, prefix).catch(() => {});
      await fake.close();
      await gitlab.close();
      await database.drop();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export interface FlotillaProcesses {
  /** Starts `flotilla <args>`; its environment is the bench's settings and `env`, nothing else. */
  start(args: string[], env?: Record<string, string>): ResultPromise;
  /** SIGTERM to every process started, then waits for them all. */
  stop(): Promise<void>;
}

/** The bench's `flotilla` processes: on the bench's NATS prefix, logging warnings (stderr shown, stdout dropped). */
export function flotillaProcesses(settings: {
  home: string;
  natsUrl: string;
  prefix: string;
  nodeArgs?: string[];
  /** The script node runs instead of bin/flotilla.js (the bench's launcher of dist/). */
  launcher?: string | undefined;
}): FlotillaProcesses {
  const base = {
    PATH: process.env.PATH ?? "",
    HOME: settings.home,
    LOG_LEVEL: "warn",
    LOG_FORMAT: "json",
    NATS_URL: settings.natsUrl,
    NATS_PREFIX: settings.prefix,
  };
  const children: ResultPromise[] = [];
  return {
    start(args, env = {}) {
      const child = execa("node", [...(settings.nodeArgs ?? []), settings.launcher ?? BIN, ...args], {
        env: { ...base, ...env },
        extendEnv: false,
        reject: false,
        stdout: "ignore",
        stderr: "inherit",
      });
      children.push(child);
      return child;
    },
    async stop() {
      for (const child of children) child.kill("SIGTERM");
      await Promise.allSettled(children);
    },
  };
}

/** A `flotilla bot` process's settings: the fake GitHub as its GHE host, its own port and database. */
export function botEnv(
  fake: FakeGitHub,
  app: AppCredentials,
  port: number,
  databaseUrl: string,
): Record<string, string> {
  return {
    ...appSettings(app, fake),
    HOST: "127.0.0.1",
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
  };
}

export async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the bot did not answer ${url}`);
}
