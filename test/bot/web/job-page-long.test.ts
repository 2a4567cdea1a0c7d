/**
 * The job page of a 200,000-line log in a real browser (Chromium): it opens (streamed by the
 * bot in batches, never built whole), every line is there, numbered, and find-in-log goes to a
 * line deep inside a closed fold, opened and scrolled to; a permalink to the last line opens
 * scrolled to it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats } from "../../../bot/bus/connect.ts";
import { jobPagesHandler } from "../../../bot/web/job-handler.ts";
import { assetsHandler } from "../../../bot/web/assets.ts";
import { openDb, type DbHandle } from "../../../db/client.ts";
import { migrate } from "../../../db/migrate.ts";
import { jobs, runs } from "../../../db/schema.ts";
import { natsNames } from "../../../protocol/names.ts";
import { launchBrowser, type Browser } from "../../helpers/browser.ts";
import { testLogger } from "../../helpers/flotilla.ts";
import { storeLongLog } from "../../helpers/long-log.ts";
import { sharedNatsUrl, uniquePrefix } from "../../helpers/nats-server.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const LINES = 200_000;
const TOKEN = "long-log-run-token-000";
let database: TestDatabase;
let handle: DbHandle;
let nc: NatsConnection;
let server: Server;
let browser: Browser;
let url: string;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDb({ url: database.url });
  await migrate(handle, database.url);
  const [run] = await handle.db
    .insert(runs)
    .values({
      deliveryId: "long",
      forge: "github",
      repository: "acme/long",
      workflowPath: ".flotilla/workflows/ci.yml",
      workflowName: "CI",
      eventName: "push",
      sha: "d".repeat(40),
      ref: "refs/heads/main",
      accessToken: TOKEN,
    })
    .returning();
  const [job] = await handle.db
    .insert(jobs)
    .values({
      runId: run!.id,
      jobKey: "long",
      name: "long",
      namespace: "default",
      labels: [],
      status: "completed",
      conclusion: "success",
      attempt: 1,
    })
    .returning();
  await storeLongLog(handle.db, job!.id, LINES);
  nc = await connectNats(sharedNatsUrl(), "long-log-test");
  const handlers = [
    assetsHandler(),
    jobPagesHandler({ db: handle.db, nc, names: natsNames(uniquePrefix("long")), log: testLogger() }),
  ];
  server = createServer(async (req, res) => {
    for (const handler of handlers) if (await handler(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jobs/${job!.id}?token=${TOKEN}`;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await nc?.close();
  await handle?.close();
  await database?.drop();
});

describe("a 200,000-line job page", () => {
  it("opens whole, and find-in-log goes to a line deep inside a fold", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    expect(await page.evaluate<number>(`document.querySelectorAll("#log .l").length`)).toBe(LINES);
    await page.fill("#find", "line 123456 ");
    await page.press("#find", "Enter");
    expect(await page.text("#find-count")).toBe("1 of 1");
    expect(await page.text("#log .l.current")).toBe("line 123456 of the long log, with some words after it");
    const top = await page.evaluate<number>(`document.querySelector("#log .l.current").getBoundingClientRect().top`);
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(800);

    const last = await page.evaluate<string>(`[...document.querySelectorAll("#log .l")].at(-1).id`);
    const linked = await browser.newPage();
    await linked.goto(`${url}#${last}`);
    expect(await linked.text("#log .l.hl")).toBe(`line ${LINES} of the long log, with some words after it`);
    expect(
      await linked.evaluate<number>(`document.getElementById("${last}").getBoundingClientRect().top`),
    ).toBeLessThan(800);
  }, 120_000);
});
