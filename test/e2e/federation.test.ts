/**
 * Federation end to end: two Flotillas, each with its own nats-server, Postgres and runners,
 * the downstream's server joined to upstream's as a leaf node with the credential `flotilla
 * federation invite` printed and the configuration `flotilla federation join` wrote. Upstream
 * has the webhook (the fake GitHub); downstream follows `acme/widgets` in two namespaces and runs
 * each published push once in each, on its own runners, while upstream runs its own as before.
 * Downstream down (bot and nats-server) during three pushes catches up with three runs, and a
 * redelivered event runs nothing more. Branch filters, private repositories, revocation.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { followCommand } from "../../cli/commands/follow.ts";
import { federationAccept, federationRevoke } from "../../cli/commands/federation.ts";
import { federationAccount } from "../../bot/federation/federation-account.ts";
import { runUrl } from "../../bot/runs/links.ts";
import { jobs, runs } from "../../db/schema.ts";
import { credentialsOption } from "../../protocol/credentials.ts";
import { natsNames } from "../../protocol/names.ts";
import { FEDERATED_WORKFLOW, type FederatedPair, pairCli, startFederatedPair } from "../helpers/federated-pair.ts";
import type { Flotilla } from "../helpers/flotilla.ts";
import { commitFiles, git } from "../helpers/git-repo.ts";
import { until } from "../helpers/until.ts";

const WAIT = 180_000;
const WORKFLOW = FEDERATED_WORKFLOW;

let root: string;
let pair: FederatedPair;
let up: Flotilla;
let down: Flotilla;
let credential: string;
let widgets: FederatedPair["widgets"];
let secret: FederatedPair["widgets"];
let firstSha: string;

const cli = pairCli;

async function downstreamJobs(shas: string[]) {
  return down.bot.db.db
    .select({ sha: runs.sha, namespace: jobs.namespace, conclusion: jobs.conclusion, forge: runs.forge })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(inArray(runs.sha, shas));
}

/** Downstream's planner has taken every followed event it was given (none pending, none in hand). */
async function followedDrained(): Promise<boolean> {
  const names = down.bot.bus.names;
  const info = await down.bot.bus.jsm.consumers.info(names.followedStream("up"), names.followedConsumer);
  return info.num_pending === 0 && info.num_ack_pending === 0;
}

/** A commit on `branch` of widgets, pushed to the fake GitHub and delivered as its webhook. */
async function pushWidgets(branch = "main"): Promise<string> {
  const sha = await commitFiles(widgets.dir, { "change.txt": `${Math.random()}\n` }, `change on ${branch}`);
  if (branch !== "main") await git(widgets.dir, ["branch", "-f", branch, sha]);
  await up.push(widgets.repo, sha, { ref: `refs/heads/${branch}` });
  return sha;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "flotilla-federation-"));
  pair = await startFederatedPair(root, { namespaces: ["lab-a", "lab-b"], branches: "main,release/*" });
  ({ up, down, widgets, credential } = pair);
  secret = await up.repository("acme", "secret", { ".flotilla/workflows/ci.yml": WORKFLOW, "hello.txt": "secret\n" });
}, 120_000);

afterAll(async () => {
  await pair?.close();
  await rm(root, { recursive: true, force: true });
});

describe("federation", { timeout: 300_000 }, () => {
  it("runs a published push on downstream's runners once per following namespace, and upstream's as before", async () => {
    const sha = await pushWidgets();
    firstSha = sha;
    const [upstreamRun] = await up.finished(sha, ["build"] as const, WAIT);
    expect(upstreamRun.run.conclusion).toBe("success");
    const rows = await until(
      async () => {
        const found = await downstreamJobs([sha]);
        return found.length === 2 && found.every((r) => r.conclusion) && found;
      },
      WAIT,
      "downstream's two jobs",
      250,
    );
    expect(rows.map((r) => [r.namespace, r.forge, r.conclusion]).sort()).toEqual([
      ["lab-a", "git", "success"],
      ["lab-b", "git", "success"],
    ]);
  });

  it("catches up on three pushes made while downstream was down, each once, and a redelivery runs nothing", async () => {
    await down.stopBot();
    down.nats!.kill("SIGTERM");
    const shas: string[] = [];
    for (let i = 0; i < 3; i++) shas.push(await pushWidgets());
    await down.nats!.restart();
    await down.restartBot();
    await until(async () => (await downstreamJobs(shas)).length === 6, WAIT, "the six jobs of the three pushes", 250);
    // The same event published again upstream (past the duplicate window, as a redelivery would be).
    const names = natsNames(up.prefix);
    const account = await federationAccount(up.bot.fleet.authority!, names);
    const nc = await connect({ servers: up.natsUrl, ...credentialsOption(account.creds) });
    try {
      const jsm = await jetstreamManager(nc);
      const last = await jsm.streams.getMessage(names.federationStream, {
        last_by_subj: names.federationSubject(new URL(widgets.repo.clone_url).host, "acme", "widgets"),
      });
      await jetstream(nc).publish(last!.subject, last!.data, { msgID: "a redelivery" });
    } finally {
      await nc.close();
    }
    await until(
      async () => (await followedDrained()) && (await downstreamJobs(shas)).length === 6,
      WAIT,
      "the redelivery taken",
    );
    const rows = await downstreamJobs(shas);
    for (const sha of shas) {
      expect(
        rows
          .filter((r) => r.sha === sha)
          .map((r) => r.namespace)
          .sort(),
      ).toEqual(["lab-a", "lab-b"]);
    }
  });

  it("runs nothing downstream for a branch the follow does not take, nor for a private repository", async () => {
    const sha = await pushWidgets("feature");
    await up.finished(sha, ["build"] as const, WAIT);
    await until(followedDrained, WAIT, "downstream's planner idle");
    expect(await downstreamJobs([sha])).toEqual([]);
    // A private repository matching the pattern: its push runs upstream and is never published.
    await up.push(secret.repo, secret.sha);
    await up.finished(secret.sha, ["build"] as const, WAIT);
    const names = natsNames(up.prefix);
    await until(
      async () => {
        const info = await up.bot.bus.jsm.consumers.info(names.eventsStream, "federation");
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      WAIT,
      "upstream's publisher idle",
    );
    const account = await federationAccount(up.bot.fleet.authority!, names);
    const nc = await connect({ servers: up.natsUrl, ...credentialsOption(account.creds) });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(names.federationStream, { subjects_filter: ">" });
      expect(Object.keys(info.state.subjects ?? {})).toEqual([
        names.federationSubject(new URL(widgets.repo.clone_url).host, "acme", "widgets"),
      ]);
    } finally {
      await nc.close();
    }
  });

  it("shows an accepted follower's results on the upstream commit as neutral check runs, and drops them before", async () => {
    const names = natsNames(up.prefix);
    // The first push's two results reached upstream while lab was not accepted: dropped.
    await until(
      async () => {
        const stream = await up.bot.bus.jsm.streams.info(names.federationResultsStream);
        const consumer = await up.bot.bus.jsm.consumers.info(names.federationResultsStream, "federation-results");
        return stream.state.messages >= 2 && consumer.num_pending === 0 && consumer.num_ack_pending === 0;
      },
      30_000,
      "the first results taken upstream",
    );
    expect(up.checkRunNames(firstSha).filter((n) => n.startsWith("lab:"))).toEqual([]);
    expect(await federationAccept(["lab"], cli(up))).toBe(0);
    const sha = await pushWidgets();
    const checks = await up.fake.waitFor(
      () => {
        const found = up.fake.checkRuns.filter((r) => r.run.head_sha === sha && r.run.name.startsWith("lab:"));
        return found.length === 2 && found;
      },
      { timeoutMs: WAIT },
    );
    expect(checks.map((c) => c.run.name).sort()).toEqual(["lab: ci [lab-a]", "lab: ci [lab-b]"]);
    for (const check of checks) {
      expect(check.run.status).toBe("completed");
      expect(check.run.conclusion).toBe("neutral");
      expect(check.run.details_url).toMatch(new RegExp(`^${down.publicUrl}/runs/`));
    }
  });

  it("names a clone URL downstream cannot fetch as an infrastructure error in downstream's run", async () => {
    const gadgets = await up.repository(
      "acme",
      "gadgets",
      { ".flotilla/workflows/ci.yml": WORKFLOW, "hello.txt": "hello gadgets\n" },
      { private: false },
    );
    const name = `${new URL(gadgets.repo.clone_url).host}/acme/gadgets`;
    expect(await followCommand([name, "--namespace", "lab-a"], cli(down))).toBe(0);
    // Gone from the forge's git server by the time downstream fetches it.
    await rm(gadgets.dir, { recursive: true, force: true });
    await up.push(gadgets.repo, gadgets.sha);
    const [run] = await until(
      async () => {
        const found = await down.bot.db.db.select().from(runs).where(eq(runs.repository, name));
        return found.length > 0 && found;
      },
      WAIT,
      "downstream's run of the unreachable repository",
      250,
    );
    expect(run!.error).toMatch(/^infrastructure error: cannot fetch http:\/\/127\.0\.0\.1:\d+\/acme\/gadgets\.git: /);
    expect([run!.status, run!.conclusion]).toEqual(["completed", "failure"]);
    expect(await downstreamJobs([gadgets.sha])).toEqual([]);
    const page = await (await fetch(runUrl(down.publicUrl, run!.id, run!.accessToken))).text();
    expect(page).toContain("<h2>Infrastructure error</h2>");
  });

  it("disconnects the follower at once when upstream revokes it", async () => {
    expect(await federationRevoke(["lab"], cli(up))).toBe(0);
    const system = await connect({ servers: up.natsUrl, ...credentialsOption(up.bot.fleet.authority!.systemCreds) });
    try {
      await until(
        async () => {
          const reply = await system.request("$SYS.REQ.SERVER.PING.LEAFZ", "{}", { timeout: 5_000 });
          return ((JSON.parse(reply.string()).data?.leafs ?? []) as unknown[]).length === 0;
        },
        10_000,
        "the leaf connection to close",
      );
    } finally {
      await system.close();
    }
    expect(credential).toContain("flotilla-federation");
  });
});
