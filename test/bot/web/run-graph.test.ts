/**
 * The run page in a real browser (Chromium) over a real Postgres: a workflow whose jobs form a
 * `needs` chain through a three-leg matrix (build → test × 3 → deploy), re-run once. The jobs
 * stand in columns by depth, the legs grouped in their job's box, each with its state; the
 * page opens on the newest attempt, and the first one can be chosen, showing what it ran. The
 * `needs` edges are SVG arrows the server drew, each from its job's box to the box that needs it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type DbHandle } from "../../../db/client.ts";
import { migrate } from "../../../db/migrate.ts";
import { jobs, runs } from "../../../db/schema.ts";
import { logPagesHandler } from "../../../bot/web/pages.ts";
import { launchBrowser, type Browser, type Page } from "../../helpers/browser.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const TOKEN = "run-token-of-the-graph-test";
let database: TestDatabase;
let handle: DbHandle;
let server: Server;
let browser: Browser;
let page: Page;
let runUrl: string;

const NODES = `[...document.querySelectorAll(".graph .column")].map((c) => [...c.querySelectorAll(".node")].map((n) => n.dataset.node))`;
const states = (node: string) =>
  `[...document.querySelectorAll('.node[data-node="${node}"] li')].map((li) => li.querySelector("a").textContent + ": " + li.querySelector(".state").textContent)`;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDb({ url: database.url });
  await migrate(handle, database.url);
  const start = new Date(Date.now() - 10 * 60_000);
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
  const [run] = await handle.db
    .insert(runs)
    .values({
      deliveryId: "graph-1",
      forge: "github",
      repository: "acme/app",
      workflowPath: ".flotilla/workflows/ci.yml",
      workflowName: "CI",
      eventName: "pull_request",
      sha: "c0ffee".padEnd(40, "0"),
      ref: "refs/pull/12/merge",
      accessToken: TOKEN,
      attempt: 2,
      status: "completed",
      conclusion: "success",
      githubContext: { actor: "octocat", triggering_actor: "maintainer" },
      createdAt: start,
      completedAt: at(9),
    })
    .returning();
  const job = (key: string, id: string, needs: string[], attempt: number, conclusion: string, from: number) => ({
    runId: run!.id,
    jobKey: key,
    jobId: id,
    name: key,
    needs,
    namespace: "default",
    labels: ["self-hosted"],
    runAttempt: attempt,
    status: "completed" as const,
    conclusion,
    startedAt: at(from),
    completedAt: at(from + 1),
  });
  await handle.db.insert(jobs).values([
    job("build", "build", [], 1, "success", 0),
    job("test (1)", "test", ["build"], 1, "success", 1),
    job("test (2)", "test", ["build"], 1, "failure", 1),
    job("test (3)", "test", ["build"], 1, "success", 1),
    job("deploy", "deploy", ["test"], 1, "skipped", 2),
    // Attempt 2 re-ran the failed leg and what needs it.
    job("test (2)", "test", ["build"], 2, "success", 5),
    job("deploy", "deploy", ["test"], 2, "success", 7),
  ]);
  const handler = logPagesHandler(handle.db);
  server = createServer(async (req, res) => {
    if (!(await handler(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  runUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runs/${run!.id}?token=${TOKEN}`;
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await handle?.close();
  await database?.drop();
});

describe("run page", () => {
  it("draws the needs chain in columns with the matrix legs grouped, on the newest attempt", async () => {
    await page.goto(runUrl);
    expect(await page.evaluate<string[][]>(NODES)).toEqual([["build"], ["test"], ["deploy"]]);
    expect(await page.text('.node[data-node="test"] .node-title')).toBe("test 3 legs");
    expect(await page.evaluate<string[]>(states("test"))).toEqual([
      "test (1): success",
      "test (2): success",
      "test (3): success",
    ]);
    expect(await page.evaluate<string[]>(states("deploy"))).toEqual(["deploy: success"]);
    expect(await page.text(".run-header")).toContain("acme/app · PR #12 · c0ffee000000");
    expect(await page.text("main")).toContain("triggered by pull_request by @maintainer · 9m 00s");
    await writeFile(new URL("../../../docs/images/run-page.png", import.meta.url), await page.screenshot());
  });

  it("draws each needs edge as an arrow from the needed box to the box that needs it, without scripts", async () => {
    // Served as it is: the edges are in the HTML, not drawn by a script.
    const served = await (await fetch(runUrl)).text();
    expect(served.match(/<path class="edge"/g)).toHaveLength(2);
    await page.goto(runUrl);
    // Where each edge starts and ends on screen, next to the boxes it names.
    const edges = await page.evaluate<
      { from: string; to: string; start: number[]; end: number[]; fromBox: number[]; toBox: number[] }[]
    >(
      `[...document.querySelectorAll(".graph svg path.edge")].map((p) => {
        const m = p.getScreenCTM();
        const at = (l) => { const q = p.getPointAtLength(l); return [q.x * m.a + m.e, q.y * m.d + m.f]; };
        const box = (id) => { const r = document.querySelector('.node[data-node="' + id + '"]').getBoundingClientRect(); return [r.left, r.right, r.top + r.height / 2]; };
        return { from: p.dataset.from, to: p.dataset.to, start: at(0), end: at(p.getTotalLength()), fromBox: box(p.dataset.from), toBox: box(p.dataset.to) };
      })`,
    );
    expect(edges.map((e) => `${e.from} → ${e.to}`).sort()).toEqual(["build → test", "test → deploy"]);
    for (const edge of edges) {
      // Out of the middle of the needed box's right side, into the middle of the other's left.
      expect(edge.start[0]).toBeCloseTo(edge.fromBox[1]!, 0);
      expect(edge.start[1]).toBeCloseTo(edge.fromBox[2]!, 0);
      expect(edge.end[0]).toBeCloseTo(edge.toBox[0]!, 0);
      expect(edge.end[1]).toBeCloseTo(edge.toBox[2]!, 0);
    }
  });

  it("shows the first attempt when it is chosen, as it ran then", async () => {
    await page.goto(runUrl);
    await page.clickAndWait('.attempts a[href$="attempt=1"]');
    expect(await page.text(".attempts strong")).toBe("#1");
    expect(await page.evaluate<string[]>(states("test"))).toEqual([
      "test (1): success",
      "test (2): failure",
      "test (3): success",
    ]);
    expect(await page.evaluate<string[]>(states("deploy"))).toEqual(["deploy: skipped"]);
    // Each leg links to its log page, with the run's token.
    const links = await page.evaluate<string[]>(
      `[...document.querySelectorAll(".node li a")].map((a) => a.getAttribute("href"))`,
    );
    expect(links.every((href) => /^\/jobs\/[0-9a-f-]{36}\?token=run-token-of-the-graph-test$/.test(href))).toBe(true);
  });
});
