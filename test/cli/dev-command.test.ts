/**
 * `npm start` (`flotilla dev`) with a GitHub App configured, as a real process: its private
 * nats-server wants per-runner credentials, its local runner is registered with the bot like
 * any other, keeps its identity across restarts, and runs the jobs.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResultPromise } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { connect } from "@nats-io/transport-node";
import { startFakeGitHub, type FakeGitHub } from "../helpers/fake-github.ts";
import { freePort } from "../helpers/free-port.ts";
import { createAppCredentials, type AppCredentials } from "../helpers/github-app.ts";
import { devProcess, pushAndWait as pushTo } from "./dev-support.ts";

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
  const child = devProcess({ scratch, app, fake }, port);
  children.push(child);
  return child;
}

const pushAndWait = (port: number, name: string) => pushTo({ scratch, app, fake }, port, name);

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
