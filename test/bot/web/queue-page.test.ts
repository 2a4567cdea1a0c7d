/**
 * `/queue` in a real browser (Chromium) over a real Postgres: queued jobs grouped by namespace
 * and labels, oldest first, with how long they waited and why — no runner has `gpu`; a runner
 * with `linux` is online and busy; a job not yet published waits for the one it needs — and
 * refused (the sign-in prompt) to a viewer without the API token. Open, it changes without
 * reloading when a runner reports on a job (over real NATS).
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type DbHandle } from "../../../db/client.ts";
import { migrate } from "../../../db/migrate.ts";
import { jobs, runners, runs } from "../../../db/schema.ts";
import type { NatsConnection } from "@nats-io/transport-node";
import { eq } from "drizzle-orm";
import { connectNats } from "../../../bot/bus/connect.ts";
import { assetsHandler } from "../../../bot/web/assets.ts";
import { queuePageHandler } from "../../../bot/web/queue-page.ts";
import { natsNames } from "../../../protocol/names.ts";
import { sharedNatsUrl, uniquePrefix } from "../../helpers/nats-server.ts";
import type { ViewerPolicy } from "../../../bot/web/viewer.ts";
import { launchBrowser, type Browser } from "../../helpers/browser.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

let database: TestDatabase;
let handle: DbHandle;
const servers: Server[] = [];
let browser: Browser;
let nc: NatsConnection;
const names = natsNames(uniquePrefix("queue"));

async function serve(policy: ViewerPolicy): Promise<string> {
  const handlers = [assetsHandler(), queuePageHandler({ db: handle.db, policy, bus: { nc, names } })];
  const server = createServer(async (req, res) => {
    for (const handler of handlers) if (await handler(req, res)) return;
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/queue`;
}

beforeAll(async () => {
  nc = await connectNats(sharedNatsUrl(), "queue-page-test");
  database = await createTestDatabase();
  handle = await openDb({ url: database.url });
  await migrate(handle, database.url);
  const now = Date.now();
  const [run] = await handle.db
    .insert(runs)
    .values({
      deliveryId: "queue-1",
      forge: "github",
      repository: "acme/app",
      workflowPath: ".flotilla/workflows/ci.yml",
      workflowName: "CI",
      eventName: "push",
      sha: "a".repeat(40),
      ref: "refs/heads/main",
      accessToken: "queue-run-token-0000",
    })
    .returning();
  await handle.db.insert(runners).values({
    id: randomUUID(),
    name: "box",
    namespace: "default",
    labels: ["self-hosted", "linux"],
    running: [randomUUID()],
    lastSeenAt: new Date(now),
  });
  const job = (name: string, labels: string[], minutesAgo: number, published: boolean, needs: string[] = []) => ({
    runId: run!.id,
    jobKey: name,
    jobId: name,
    name,
    needs,
    namespace: "default",
    labels,
    createdAt: new Date(now - minutesAgo * 60_000),
    publishedAt: published ? new Date(now - minutesAgo * 60_000) : null,
  });
  await handle.db
    .insert(jobs)
    .values([
      job("train", ["self-hosted", "gpu"], 12, true),
      job("unit", ["self-hosted", "linux"], 3, true),
      job("lint", ["self-hosted", "linux"], 2, true),
      job("deploy", ["self-hosted", "deploy"], 1, false, ["unit"]),
    ]);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  await nc?.close();
  await handle?.close();
  await database?.drop();
});

describe("queue page", () => {
  it("groups what waits by namespace and labels, says for how long and why", async () => {
    const page = await browser.newPage();
    await page.goto(await serve({ trustLoopback: true }));
    const groups = await page.evaluate<{ labels: string; meta: string; why: string; jobs: string[] }[]>(
      `[...document.querySelectorAll(".queue-group")].map((g) => ({ labels: g.dataset.labels, meta: g.querySelector(".meta").textContent, why: g.querySelector(".why").textContent, jobs: [...g.querySelectorAll("td:first-child a")].map((a) => a.textContent) }))`,
    );
    expect(groups.map((g) => [g.labels, g.jobs])).toEqual([
      ["gpu,self-hosted", ["train"]],
      ["linux,self-hosted", ["unit", "lint"]],
      ["deploy,self-hosted", ["deploy"]],
    ]);
    expect(groups[0]!.meta).toMatch(/^1 waiting · the oldest for 12m 0\ds · 0 runners with these labels$/);
    expect(groups[0]!.why).toContain("No runner in namespace default has the labels gpu, self-hosted");
    expect(groups[0]!.why).toContain("flotilla runner register --labels gpu,self-hosted");
    expect(groups[1]!.meta).toMatch(/^2 waiting · the oldest for 3m 0\ds · 1 runner with these labels$/);
    expect(groups[1]!.why).not.toContain("No runner");
    expect(groups[2]!.why).toBe("Waiting for the jobs they need");
    expect(await page.text('.queue-group[data-labels="deploy,self-hosted"] td:nth-child(3)')).toBe("waiting for unit");
    await writeFile(new URL("../../../docs/images/queue-page.png", import.meta.url), await page.screenshot());
  });

  it("changes without reloading when a runner reports on a job", async () => {
    const page = await browser.newPage();
    await page.goto(await serve({ trustLoopback: true }));
    await page.evaluate("window.notReloaded = true");
    const [unit] = await handle.db.update(jobs).set({ status: "in_progress" }).where(eq(jobs.name, "unit")).returning();
    nc.publish(names.statusSubject("box", unit!.id), "{}");
    await page.waitFor(
      `![...document.querySelectorAll("#queue td:first-child a")].some((a) => a.textContent === "unit") && window.notReloaded`,
    );
    expect(await page.text("#queue > .meta")).toBe("3 jobs waiting");
  });

  it("asks anyone without the API token to sign in", async () => {
    const answer = await fetch(await serve({ apiToken: "an-api-token-of-sixteen" }));
    expect(answer.status).toBe(401);
    expect(await answer.text()).not.toContain("train");
  });
});
