/**
 * WEBHOOK_PROXY_URL: a bot GitHub cannot reach gets its webhooks through a relay channel
 * (smee.io's protocol, a fake of it here). A signed push posted to the channel plans a run;
 * after the relay drops the stream, the bot listens again and the next push plans its run
 * too; a delivery whose signature does not match is refused by the bot's intake as ever.
 * Real bot, NATS, Postgres; the fake GitHub.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runs } from "../../../db/schema.ts";
import { INSTALLATION_ID, startFlotilla, type Flotilla } from "../../helpers/flotilla.ts";
import { startFakeWebhookRelay, type FakeWebhookRelay } from "../../helpers/fake-webhook-relay.ts";
import { commitFiles } from "../../helpers/git-repo.ts";
import { until } from "../../helpers/until.ts";
import { postWebhook, pushPayload, signedDelivery } from "../../helpers/webhooks.ts";

const WORKFLOW = `name: ci
on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - run: echo hi
`;

let relay: FakeWebhookRelay;
let f: Flotilla;

beforeAll(async () => {
  relay = await startFakeWebhookRelay();
  f = await startFlotilla({ env: { WEBHOOK_PROXY_URL: relay.url } });
});

afterAll(async () => {
  await f?.close();
  await relay?.close();
});

const runOf = (sha: string) =>
  until(
    async () => (await f.bot.db.db.select().from(runs).where(eq(runs.sha, sha)))[0],
    30_000,
    `the run of ${sha.slice(0, 7)}`,
    100,
  );

describe("webhooks through a relay channel", { timeout: 90_000 }, () => {
  it("plans the runs of pushes GitHub posted to the channel, across a dropped stream", async () => {
    const { repo, sha, dir } = await f.repository("acme", "relayed", { ".flotilla/workflows/ci.yml": WORKFLOW });
    await until(async () => relay.listeners() === 1, 10_000, "the bot listening on the channel", 50);
    const first = await signedDelivery(pushPayload(repo, { installationId: INSTALLATION_ID, sha }), {
      secret: f.app.webhookSecret,
      event: "push",
    });
    expect((await postWebhook(relay.url, first)).status).toBe(200);
    expect((await runOf(sha)).repository).toBe("acme/relayed");

    relay.drop();
    await until(async () => relay.listeners() === 1, 15_000, "the bot listening again", 50);
    const next = await commitFiles(dir, { "more.txt": "more\n" }, "more");
    const second = await signedDelivery(pushPayload(repo, { installationId: INSTALLATION_ID, sha: next }), {
      secret: f.app.webhookSecret,
      event: "push",
    });
    await postWebhook(relay.url, second);
    expect((await runOf(next)).sha).toBe(next);
  });

  it("leaves a delivery signed with another secret unplanned", async () => {
    const { repo, sha } = await f.repository("acme", "forged", { ".flotilla/workflows/ci.yml": WORKFLOW });
    const forged = await signedDelivery(pushPayload(repo, { installationId: INSTALLATION_ID, sha }), {
      secret: "not-the-apps-secret",
      event: "push",
    });
    await postWebhook(relay.url, forged);
    // A genuine delivery sent after it is planned: had the forged one been taken, it would be too.
    const { repo: other, sha: otherSha } = await f.repository("acme", "genuine", {
      ".flotilla/workflows/ci.yml": WORKFLOW,
      "genuine.txt": "another commit than the forged one\n",
    });
    expect(otherSha).not.toBe(sha);
    const genuine = await signedDelivery(pushPayload(other, { installationId: INSTALLATION_ID, sha: otherSha }), {
      secret: f.app.webhookSecret,
      event: "push",
    });
    await postWebhook(relay.url, genuine);
    await runOf(otherSha);
    expect(await f.bot.db.db.select().from(runs).where(eq(runs.sha, sha))).toEqual([]);
  });
});
