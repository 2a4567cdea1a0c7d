/**
 * Lost webhooks (issue 16): GitHub never retries a delivery that failed. With the bot stopped,
 * three pushes fail at the fake GitHub (connection refused), and a fourth push's delivery is
 * logged failed although the bot had stored it (it died before answering). Started again, the
 * bot lists the App's deliveries and asks for the three it never stored: each runs once, by
 * GitHub's redelivery (same guid, new id); the stored one and one delivered fine are not asked
 * for, and a later round asks for none again.
 */
import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { runs } from "../../db/schema.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { postWebhook, pushPayload, signedDelivery } from "../helpers/webhooks.ts";

const f = flotillaSuite();

const checkRunOf = (sha: string) => f.fake.waitFor(() => f.fake.checkRuns.find((r) => r.run.head_sha === sha));

const WORKFLOW = `name: Build
on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - run: echo built
`;

it("redelivers, once each, the pushes GitHub could not deliver while the bot was down, and none it stored", async () => {
  const hookUrl = `${f.publicUrl}/api/github/webhooks`;
  const pushOf = async (name: string) => {
    const { repo, sha } = await f.repository("lost", name, { ".flotilla/workflows/build.yml": WORKFLOW });
    const delivery = await signedDelivery(pushPayload(repo, { sha, installationId: INSTALLATION_ID }), {
      secret: f.app.webhookSecret,
      event: "push",
    });
    return { repo, sha, delivery, guid: delivery.headers["x-github-delivery"]! };
  };

  // Delivered while the bot is up.
  const fine = await pushOf("fine");
  expect((await f.fake.deliverWebhook(hookUrl, fine.delivery)).status_code).toBe(202);
  // Stored by the bot, but GitHub's log says the attempt failed (the bot died before answering).
  const stored = await pushOf("stored");
  expect((await postWebhook(hookUrl, stored.delivery)).status).toBe(202);
  await checkRunOf(stored.sha);
  await checkRunOf(fine.sha);

  await f.stopBot();
  expect((await f.fake.deliverWebhook(hookUrl, stored.delivery)).status_code).toBe(0);
  const lost = [await pushOf("one"), await pushOf("two"), await pushOf("three")];
  for (const push of lost) {
    const attempt = await f.fake.deliverWebhook(hookUrl, push.delivery);
    expect(attempt).toMatchObject({ status_code: 0, status: "failed to connect to host", redelivery: false });
  }

  await f.restartBot();
  const redeliveries = await f.fake.waitFor(() => {
    const again = f.fake.hookDeliveries.filter((d) => d.redelivery);
    return again.length >= 3 && again.every((d) => d.status_code === 202) && again;
  });
  for (const push of lost) await checkRunOf(push.sha);

  expect(redeliveries.map((d) => d.guid).sort()).toEqual(lost.map((p) => p.guid).sort());
  const lostIdOf = (guid: string) => f.fake.hookDeliveries.find((d) => d.guid === guid && !d.redelivery)!.id;
  for (const push of lost) {
    const original = f.fake.hookDeliveries.find((d) => d.guid === push.guid && !d.redelivery)!;
    const again = redeliveries.find((d) => d.guid === push.guid)!;
    // GitHub's shape: a new id, the same guid, event and installation.
    expect(again.id).not.toBe(original.id);
    expect(again).toMatchObject({ event: "push", installation_id: INSTALLATION_ID, repository_id: push.repo.id });
    const planned = await f.bot.db.db.select().from(runs).where(eq(runs.deliveryId, push.guid));
    expect(planned).toHaveLength(1);
    expect(f.fake.checkRuns.filter((r) => r.run.head_sha === push.sha)).toHaveLength(1);
  }
  // Two whole rounds later (closing a bot waits for its round), no more were asked for.
  await f.restartBot();
  await f.stopBot();
  const asked = f.fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/attempts"));
  expect(asked.map((r) => r.path).sort()).toEqual(
    redeliveries.map((d) => `/api/v3/app/hook/deliveries/${lostIdOf(d.guid)}/attempts`).sort(),
  );
  // GitHub answers the bot's list of deliveries, and asks, in its documented shapes.
  expect(f.fake.invalidRequests).toEqual([]);
});
