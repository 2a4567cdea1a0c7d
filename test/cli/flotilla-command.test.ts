/**
 * The `flotilla` command as people run it: real processes, real NATS and Postgres, the fake
 * GitHub reached through GHE_HOST like an Enterprise server.
 */
import { mkdtemp, rm, symlink, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/flotilla-bin.ts";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.ts";
import { freePort } from "../helpers/free-port.ts";
import { appSettings, createAppCredentials } from "../helpers/github-app.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { sharedNatsUrl, uniquePrefix } from "../helpers/nats-server.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres.ts";
import { postWebhook, pushPayload, signedDelivery } from "../helpers/webhooks.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let scratch: string;
const children: ResultPromise[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flotilla-cli-"));
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.allSettled(children);
  await rm(scratch, { recursive: true, force: true });
});

/** Starts `flotilla …` in the repository root, as `npm start` would. */
function flotilla(args: string[], env: Record<string, string>): ResultPromise {
  const child = execa("node", [BIN, ...args], {
    cwd: ROOT,
    env: { LOG_FORMAT: "json", LOG_LEVEL: "info", ...env },
    extendEnv: false,
    reject: false,
    all: true,
  });
  children.push(child);
  return child;
}

async function waitForHttp(url: string, child: ResultPromise, timeoutMs = 30_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.finally(() => (exited = true));
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (exited) throw new Error(`flotilla exited before ${url} answered:\n${(await child).all}`);
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("npm start (flotilla dev)", () => {
  it("stops with one clear message when nats-server is missing and NATS_URL is unset", async () => {
    const bin = join(scratch, "bin-without-nats");
    await mkdir(bin, { recursive: true });
    await symlink(process.execPath, join(bin, "node"));
    const result = await flotilla(["dev"], { PATH: bin, DATA_DIR: join(scratch, "no-nats"), HOME: scratch });
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain("`nats-server` is not on your PATH");
    expect(result.all).toContain("sudo apt-get install nats-server");
    expect(result.all).toContain("brew install nats-server");
    expect(result.all).toContain("NATS_URL=");
    expect(result.all).not.toMatch(/\n\s+at /);
  });

  it("with no GitHub App, serves Flotilla's first page (the manifest flow built from app.yml, GitLab, follow-git) on embedded NATS and PGlite, and stops cleanly", async () => {
    const port = await freePort();
    const child = flotilla(["dev"], {
      PATH: process.env.PATH ?? "",
      HOME: scratch,
      PORT: String(port),
      DATA_DIR: join(scratch, "dev"),
    });
    // The whole bot starts now (PGlite's migrations first), not Probot's setup page alone.
    const page = await waitForHttp(`http://localhost:${port}/`, child, 90_000);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Register GitHub App");
    expect(html).toContain(`http://localhost:${port}/gitlab/webhook`);
    // Under `flotilla dev` a browser on this machine may follow repositories: the form is there.
    expect(html).toContain('<form id="follow-git" method="post" action="/setup/follow-git">');
    const manifest = JSON.parse(
      /name="manifest" value="([^"]*)"/
        .exec(html)![1]!
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&"),
    ) as { default_permissions: Record<string, string>; default_events: string[]; hook_attributes: { url: string } };
    expect(manifest.default_permissions).toEqual({
      checks: "write",
      statuses: "write",
      contents: "read",
      pull_requests: "read",
      issues: "write",
      members: "read",
      metadata: "read",
    });
    expect(manifest.default_events).toEqual([
      "push",
      "pull_request",
      "release",
      "issue_comment",
      "check_run",
      "check_suite",
      "installation",
    ]);
    expect(manifest.hook_attributes.url).toBe(`http://localhost:${port}/api/github/webhooks`);
    child.kill("SIGTERM");
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(result.all).toContain("embedded nats-server started");
    expect(result.all).toContain("local runner started");
  }, 120_000);
});

describe("flotilla migrate", () => {
  it("creates the schema in the Postgres database at DATABASE_URL, and is safe to run again", async () => {
    const database = await createTestDatabase();
    try {
      const env = { PATH: process.env.PATH ?? "", HOME: scratch, DATABASE_URL: database.url };
      const first = await flotilla(["migrate"], env);
      expect(first.exitCode).toBe(0);
      expect(first.all).toContain("migrated the Postgres database at DATABASE_URL");
      expect((await flotilla(["migrate"], env)).exitCode).toBe(0);
      const { default: postgres } = await import("postgres");
      const sql = postgres(database.url);
      const tables = await sql<
        { table_name: string }[]
      >`select table_name from information_schema.tables where table_schema = 'public' order by 1`;
      const namespaces = await sql<{ name: string }[]>`select name from namespaces`;
      await sql.end();
      expect(tables.map((t) => t.table_name)).toEqual([
        "approvals",
        "concurrency_groups",
        "deliveries",
        "federation_followers",
        "federation_publications",
        "federation_upstreams",
        "followed_workflows",
        "git_follows",
        "jobs",
        "log_chunks",
        "namespaces",
        "pull_requests",
        "registration_tokens",
        "run_statuses",
        "runners",
        "runs",
        "schedules",
        "secrets",
      ]);
      expect(namespaces.map((n) => n.name)).toEqual(["default"]);
    } finally {
      await database.drop();
    }
  });
});

describe("flotilla bot and flotilla runner start as separate processes", () => {
  let fake: FakeGitHub;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await fake?.close();
    await database?.drop();
  });

  it("turn a push into a completed check run", async () => {
    const app = createAppCredentials();
    fake = await startFakeGitHub({ app: { appId: app.appId, publicKey: app.publicKey } });
    const dir = join(scratch, "repo");
    const { sha } = await createRepo(dir, {
      "README.md": "hi\n",
      ".flotilla/workflows/ci.yml":
        "name: CI\non: push\njobs:\n  hello:\n    runs-on: [self-hosted, cli-test]\n    steps:\n      - run: echo hello from a separate runner process\n",
    });
    const repo = await fake.addRepository({ owner: "acme", name: "cli", dir, private: true, installationId: 77 });
    const port = await freePort();
    const prefix = uniquePrefix("cli");
    const common = { PATH: process.env.PATH ?? "", HOME: scratch, NATS_URL: sharedNatsUrl(), NATS_PREFIX: prefix };
    const bot = flotilla(["bot"], {
      ...common,
      ...appSettings(app, fake),
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: database.url,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, bot);
    const runner = flotilla(
      [
        "runner",
        "start",
        "--nats",
        sharedNatsUrl(),
        "--prefix",
        prefix,
        "--labels",
        "cli-test",
        "--name",
        "separate",
        "--work-dir",
        join(scratch, "work"),
      ],
      common,
    );

    const delivery = await signedDelivery(pushPayload(repo, { sha, installationId: 77 }), {
      secret: app.webhookSecret,
      event: "push",
    });
    expect((await postWebhook(`http://127.0.0.1:${port}/api/github/webhooks`, delivery)).status).toBe(202);
    const run = await fake.waitForCheckRun("hello", (r) => r.run.status === "completed", { timeoutMs: 30_000 });
    expect(run.run.conclusion).toBe("success");
    expect((run.run.output as { text: string }).text).toContain("hello from a separate runner process");
    expect((run.run.output as { summary: string }).summary).toContain("Ran on `separate`");

    runner.kill("SIGTERM");
    bot.kill("SIGTERM");
    expect((await runner).exitCode).toBe(0);
    expect((await bot).exitCode).toBe(0);
  });
});
