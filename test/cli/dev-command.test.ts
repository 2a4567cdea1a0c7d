/**
 * `npm start` (`flotilla dev`) with a GitHub App configured, as a real process: its private
 * nats-server wants per-runner credentials, its local runner is registered with the bot like
 * any other, keeps its identity across restarts, and runs the jobs.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { BIN } from "../helpers/flotilla-bin.ts";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.ts";
import { freePort } from "../helpers/free-port.ts";
import { appSettings, createAppCredentials, type AppCredentials } from "../helpers/github-app.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { postWebhook, pushPayload, signedDelivery } from "../helpers/webhooks.ts";

let scratch: string;
let fake: FakeGitHub;
let app: AppCredentials;
const children: ResultPromise[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flotilla-dev-"));
  app = createAppCredentials();
  fake = await startFakeGitHub({ app: { appId: app.appId, publicKey: app.publicKey } });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.allSettled(children);
  await fake?.close();
  await rm(scratch, { recursive: true, force: true });
});

function dev(port: number): ResultPromise {
  const child = execa("node", [BIN, "dev"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: scratch,
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      ...appSettings(app, fake),
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: join(scratch, "data"),
    },
    extendEnv: false,
    reject: false,
    all: true,
  });
  children.push(child);
  return child;
}

async function pushAndWait(port: number, name: string): Promise<string> {
  const dir = join(scratch, name);
  const { sha } = await createRepo(dir, {
    ".flotilla/workflows/ci.yml": `on: push\njobs:\n  ${name}:\n    runs-on: self-hosted\n    steps:\n      - run: echo ran by the local runner\n`,
  });
  const repo = await fake.addRepository({ owner: "me", name, dir, private: true, installationId: 5 });
  // Its bot listens once PGlite and NATS are up: seconds, more on a loaded machine.
  for (const deadline = Date.now() + 150_000; ; ) {
    const delivery = await signedDelivery(pushPayload(repo, { sha, installationId: 5 }), {
      secret: app.webhookSecret,
      event: "push",
    });
    const answer = await postWebhook(`http://127.0.0.1:${port}/api/github/webhooks`, delivery).catch(() => ({
      status: 0,
    }));
    if (answer.status === 202) break;
    if (Date.now() > deadline) throw new Error("flotilla dev never took the webhook");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const run = await fake.waitForCheckRun(name, (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 150_000,
  });
  expect(run.run.conclusion).toBe("success");
  return (run.run.output as { summary: string }).summary;
}

it("runs its private NATS with per-runner credentials and a registered local runner, across restarts", async () => {
  const port = await freePort();
  const first = dev(port);
  const ranOn = await pushAndWait(port, "first");
  const identityFile = join(scratch, "data", "runner", "runner.json");
  expect((await stat(identityFile)).mode & 0o777).toBe(0o600);
  const identity = JSON.parse(await readFile(identityFile, "utf8")) as {
    id: string;
    name: string;
    natsUrl: string;
    natsCreds?: string;
  };
  expect(identity.natsCreds).toMatch(/BEGIN NATS USER JWT/);
  expect(ranOn).toContain(`Ran on \`${identity.name}\``);
  // Nobody gets in without a credential.
  await expect(connect({ servers: identity.natsUrl, reconnect: false })).rejects.toThrow(/authorization/i);
  first.kill("SIGTERM");
  expect((await first).exitCode).toBe(0);

  const second = dev(port);
  await pushAndWait(port, "second");
  const again = JSON.parse(await readFile(identityFile, "utf8")) as { id: string };
  expect(again.id).toBe(identity.id);
  second.kill("SIGTERM");
  const ended = await second;
  expect(ended.exitCode).toBe(0);
  expect(ended.all).toContain("per-runner credentials");
}, 480_000);
