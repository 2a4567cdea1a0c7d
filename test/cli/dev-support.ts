/**
 * `npm start` (`flotilla dev`) as a real process with a GitHub App on the fake GitHub, and a
 * push it must turn into a green check run: what the suites that start `flotilla dev` share.
 */
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import { expect } from "vitest";
import type { FakeGitHub } from "../helpers/fake-github.ts";
import { BIN } from "../helpers/flotilla-bin.ts";
import { appSettings, type AppCredentials } from "../helpers/github-app.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { postWebhook, pushPayload, signedDelivery } from "../helpers/webhooks.ts";

export interface DevApp {
  scratch: string;
  app: AppCredentials;
  fake: FakeGitHub;
}

/** `flotilla dev` on `port`, its data under `scratch`/data; `options` adds a cwd and settings. */
export function devProcess(
  dev: DevApp,
  port: number,
  options: { cwd?: string; env?: Record<string, string> } = {},
): ResultPromise {
  return execa("node", [BIN, "dev"], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dev.scratch,
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      ...appSettings(dev.app, dev.fake),
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: join(dev.scratch, "data"),
      ...options.env,
    },
    extendEnv: false,
    reject: false,
    all: true,
  });
}

/**
 * A repository `name` with one job `name` on `runsOn`, pushed to the bot on `port` once it
 * listens; resolves the completed check run's summary after asserting it succeeded.
 */
export async function pushAndWait(dev: DevApp, port: number, name: string, runsOn = "self-hosted"): Promise<string> {
  const dir = join(dev.scratch, name);
  const { sha } = await createRepo(dir, {
    ".flotilla/workflows/ci.yml": `on: push\njobs:\n  ${name}:\n    runs-on: ${runsOn}\n    steps:\n      - run: echo ran by the runner\n`,
  });
  const repo = await dev.fake.addRepository({ owner: "me", name, dir, private: true, installationId: 5 });
  // Its bot listens once PGlite and NATS are up: seconds, more on a loaded machine.
  for (const deadline = Date.now() + 150_000; ; ) {
    const delivery = await signedDelivery(pushPayload(repo, { sha, installationId: 5 }), {
      secret: dev.app.webhookSecret,
      event: "push",
    });
    const answer = await postWebhook(`http://127.0.0.1:${port}/api/github/webhooks`, delivery).catch(() => ({
      status: 0,
    }));
    if (answer.status === 202) break;
    if (Date.now() > deadline) throw new Error("flotilla dev never took the webhook");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const run = await dev.fake.waitForCheckRun(name, (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 150_000,
  });
  expect(run.run.conclusion).toBe("success");
  return (run.run.output as { summary: string }).summary;
}
