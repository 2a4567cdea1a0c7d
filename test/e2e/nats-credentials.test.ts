/**
 * Per-runner NATS credentials, end to end: a private nats-server in JWT mode (what
 * `flotilla nats init` and `npm start` set up), runners registered through the bot's API with
 * one-time tokens, and a runner's own credential used by hand to try what a runner must not do.
 */
import { execa } from "execa";
import { eq } from "drizzle-orm";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { jobs, namespaces, runners } from "../../db/schema.ts";
import { encode, type RunnerEventInput, type RunnerHeartbeat } from "../../protocol/messages.ts";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFileOptions, type RunnerConfigFile, readRunnerConfig, startRunner } from "../../runner/index.ts";
import { BIN } from "../helpers/flotilla-bin.ts";
import { registerRunner, testLogger } from "../helpers/flotilla.ts";
import { until } from "../helpers/until.ts";

const open: NatsConnection[] = [];

const f = flotillaSuite({
  natsAuth: true,
  env: { JOB_LEASE_SECONDS: "3" },
});

afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
});

/** A connection with a runner's own credential, as its process would make it. */
async function connectAs(identity: RunnerConfigFile): Promise<NatsConnection> {
  const nc = await connect({
    servers: f.natsUrl,
    reconnect: false,
    inboxPrefix: f.bot.bus.names.inboxPrefix(identity.id),
    authenticator: credsAuthenticator(new TextEncoder().encode(identity.natsCreds!)),
  });
  open.push(nc);
  return nc;
}

/** Resolves with the server's permission error for something `nc` tried, or "allowed". */
async function permissionOutcome(nc: NatsConnection, attempt: () => unknown): Promise<string> {
  const errors: string[] = [];
  const watching = (async () => {
    for await (const status of nc.status()) {
      if (status.type === "error") errors.push(String((status as { error?: Error }).error?.message ?? ""));
    }
  })();
  let failure = "";
  try {
    await attempt();
    await nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
  } catch (error) {
    failure = (error as Error).message;
  }
  void watching;
  return [failure, ...errors].find((message) => /permission/i.test(message)) ?? "allowed";
}

async function pushWorkflow(owner: string, name: string, workflow: string): Promise<string> {
  const { sha } = await f.pushRepository(owner, name, { "README.md": "x\n", ".flotilla/workflows/ci.yml": workflow });
  return sha;
}

describe("per-runner NATS credentials", () => {
  it("lets a registered runner run a job with steps, an artifact and a cache, and nothing else", async () => {
    await f.startRunner({ name: "lab-1", labels: ["creds"] });
    const sha = await pushWorkflow(
      "acme",
      "creds-ok",
      `on: push
jobs:
  build:
    runs-on: [self-hosted, creds]
    steps:
      - run: echo "hello from a registered runner" > out.txt
      - uses: actions/upload-artifact@v4
        with: { name: out, path: out.txt }
      - uses: actions/cache@v4
        with:
          path: out.txt
          key: creds-\${{ github.sha }}
      - run: cat out.txt
  use:
    needs: build
    runs-on: [self-hosted, creds]
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: out
      - run: cat out.txt
`,
    );
    const [build, use] = await f.finished(sha, ["build", "use"]);
    expect([build.run.conclusion, use.run.conclusion]).toEqual(["success", "success"]);
    expect((use.run.output as { text: string }).text).toContain("hello from a registered runner");
    expect((build.run.output as { text: string }).text).toContain("hello from a registered runner");
  });

  it("keeps a runner's credential to its own namespace, inbox and report subjects", async () => {
    const names = f.bot.bus.names;
    const alpha = await registerRunner(f.publicUrl, f.apiToken, { name: "probe-alpha", namespace: "alpha" });
    const beta = await registerRunner(f.publicUrl, f.apiToken, { name: "probe-beta", namespace: "beta" });
    expect(alpha.natsCreds).toMatch(/BEGIN NATS USER JWT/);
    // The bot has made beta's consumer for a labelset.
    const { ensureJobConsumer } = await import("../../protocol/setup.ts");
    const entry = await ensureJobConsumer(f.bot.bus.jsm, f.bot.bus.labelsets, names, "beta", ["self-hosted"]);

    const nc0 = await connectAs(alpha);
    expect(
      await permissionOutcome(nc0, () =>
        nc0.request(`$JS.API.CONSUMER.MSG.NEXT.${entry.stream}.${entry.consumer}`, encode({ batch: 1 }), {
          timeout: 1_000,
        }),
      ),
    ).toMatch(/permission/i);
    const nc = await connectAs(alpha);
    expect(await permissionOutcome(nc, () => void nc.subscribe(`${names.inboxPrefix(beta.id)}.>`))).toMatch(
      /permission/i,
    );
    const nc2 = await connectAs(alpha);
    expect(await permissionOutcome(nc2, () => void nc2.subscribe("_INBOX.>"))).toMatch(/permission/i);
    const nc3 = await connectAs(alpha);
    expect(await permissionOutcome(nc3, () => void nc3.subscribe(`${names.prefix}.jobs.>`))).toMatch(/permission/i);
    const nc4 = await connectAs(alpha);
    expect(
      await permissionOutcome(nc4, () =>
        nc4.publish(names.statusSubject(beta.id, "00000000-0000-4000-8000-000000000000"), encode({})),
      ),
    ).toMatch(/permission/i);
    const nc5 = await connectAs(alpha);
    expect(
      await permissionOutcome(nc5, () =>
        nc5.request(`$JS.API.STREAM.DELETE.${entry.stream}`, encode({}), { timeout: 1_000 }),
      ),
    ).toMatch(/permission/i);
    // What it may do: its own heartbeat subject.
    const nc6 = await connectAs(alpha);
    expect(await permissionOutcome(nc6, () => nc6.publish(names.heartbeatSubject(alpha.id), encode({})))).toBe(
      "allowed",
    );
  });

  it("makes no namespace from a registered runner's heartbeat, whatever namespace it names", async () => {
    const identity = await registerRunner(f.publicUrl, f.apiToken, { name: "claims-elsewhere", namespace: "gamma" });
    const nc = await connectAs(identity);
    const beat: RunnerHeartbeat = {
      v: 1,
      runner: {
        id: identity.id,
        name: identity.name,
        namespace: "forged-ns",
        labels: identity.labels,
        exclusiveLabels: [],
        version: "test",
      },
      concurrency: 1,
      running: [],
      stopping: false,
      at: new Date().toISOString(),
    };
    nc.publish(f.bot.bus.names.heartbeatSubject(identity.id), encode(beat));
    await nc.flush();
    const db = f.bot.db.db;
    await until(
      async () => (await db.select().from(runners).where(eq(runners.id, identity.id)))[0]?.lastSeenAt,
      10_000,
      "the heartbeat to be recorded",
    );
    // Only an unregistered runner (open NATS) brings its namespace; this one's came with its token.
    expect(await db.select().from(namespaces).where(eq(namespaces.name, "forged-ns"))).toEqual([]);
  });

  it("refuses a result for a job the reporting runner does not hold, and a removed runner at once", async () => {
    const identity = await registerRunner(f.publicUrl, f.apiToken, { name: "holder", labels: ["held"] });
    const holder = await startRunner(
      readRunnerConfig(
        {},
        {
          ...configFileOptions(identity),
          workDir: await mkdtemp(join(tmpdir(), "flotilla-holder-")),
          leaseExtendMs: 1_000,
        },
      ),
      { logger: testLogger() },
    );
    const other = await registerRunner(f.publicUrl, f.apiToken, { name: "other", labels: ["held"] });
    const sha = await pushWorkflow(
      "acme",
      "creds-hold",
      `on: push
jobs:
  slow:
    runs-on: [self-hosted, held]
    steps:
      - run: sleep 2; echo "done by the holder"
`,
    );
    const job = await until(
      async () => {
        const [row] = await f.bot.db.db.select().from(jobs).where(eq(jobs.status, "in_progress"));
        return row?.runnerName === "holder" ? row : undefined;
      },
      10_000,
      "the holder to start the job",
      50,
    );
    // `other` may publish on its own report subject, but it does not hold the job: whatever it
    // claims (attempt, conclusion) is refused.
    const nc = await connectAs(other);
    for (const attempt of [job.attempt, job.attempt + 1]) {
      const forged: RunnerEventInput = {
        v: 1,
        executionId: job.id,
        attempt,
        claim: "guessed",
        at: new Date().toISOString(),
        type: "completed",
        conclusion: "failure",
        steps: [],
        logTail: "forged",
      };
      nc.publish(f.bot.bus.names.statusSubject(other.id, job.id), encode(forged));
    }
    await nc.flush();
    const [slow] = await f.finished(sha, ["slow"]);
    expect(slow.run.conclusion).toBe("success");
    expect((slow.run.output as { text: string }).text).toContain("done by the holder");
    expect((slow.run.output as { text: string }).text).not.toContain("forged");

    // `flotilla runner remove`: the holder's connection is cut and cannot come back.
    const removed = await execa("node", [BIN, "runner", "remove", "holder", "--url", f.publicUrl], {
      env: { FLOTILLA_API_TOKEN: f.apiToken },
      reject: false,
    });
    expect(removed.stdout).toContain('removed runner "holder"');
    await Promise.race([
      holder.done,
      new Promise((_, reject) => setTimeout(() => reject(new Error("the removed runner is still running")), 5_000)),
    ]);
    const again = await connectAs(identity).catch((error: Error) => error);
    expect(String(again)).toMatch(/authorization violation/i);
  });
});
