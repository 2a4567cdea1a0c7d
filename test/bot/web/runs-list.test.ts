/**
 * `/`, the runs list, over a real Postgres holding runs of four repositories on three forges
 * (two of them private): in a real browser (Chromium) as the operator — newest first, the
 * status and repository filters narrow it, the pages move both ways, a row opens its run —
 * and as served, with no JavaScript, to an anonymous viewer, who sees public repositories
 * only, and to one who sends the API token, who sees all.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type DbHandle } from "../../../db/client.ts";
import { migrate } from "../../../db/migrate.ts";
import { runs } from "../../../db/schema.ts";
import type { Handler } from "../../../bot/http/handler.ts";
import { homeHandler } from "../../../bot/web/home.ts";
import { logPagesHandler } from "../../../bot/web/pages.ts";
import type { ViewerPolicy } from "../../../bot/web/viewer.ts";
import { launchBrowser, type Browser, type Page } from "../../helpers/browser.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const API_TOKEN = "a-token-of-at-least-sixteen";
const PAGE_SIZE = 10;

const REPOSITORIES = [
  { forge: "github", repository: "acme/app", private: false },
  { forge: "github", repository: "acme/secret", private: true },
  { forge: "gitlab", repository: "gitlab.example.com/team/tool", private: false },
  { forge: "git", repository: "git.local/srv/git/lib", private: true },
] as const;
const OUTCOMES = [
  { status: "completed", conclusion: "success" },
  { status: "completed", conclusion: "failure" },
  { status: "in_progress", conclusion: null },
  { status: "completed", conclusion: "success" },
  { status: "queued", conclusion: null },
] as const;

let database: TestDatabase;
let handle: DbHandle;
const servers: Server[] = [];
let operatorUrl: string;
let publicUrl: string;
let browser: Browser;
let page: Page;
/** Run ids, newest first, with what each was seeded as. */
let seeded: { id: string; repository: string; private: boolean; outcome: string; runNumber: number }[];

async function serve(policy: ViewerPolicy): Promise<string> {
  const handlers: Handler[] = [
    homeHandler({
      db: handle.db,
      policy,
      forgeConfigured: true,
      setup: { handler: () => false, render: async () => "" },
      pageSize: PAGE_SIZE,
    }),
    logPagesHandler(handle.db),
  ];
  const server = createServer(async (req, res) => {
    for (const handler of handlers) if (await handler(req, res)) return;
    res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDb({ url: database.url });
  await migrate(handle, database.url);
  // 30 runs a minute apart, the newest last: every repository, every outcome.
  const start = Date.now() - 60 * 60_000;
  const rows = Array.from({ length: 30 }, (_, i) => {
    const repo = REPOSITORIES[i % REPOSITORIES.length]!;
    const outcome = OUTCOMES[i % OUTCOMES.length]!;
    const createdAt = new Date(start + i * 60_000);
    return {
      deliveryId: `seed-${i}`,
      forge: repo.forge,
      repository: repo.repository,
      private: repo.private,
      workflowPath: ".flotilla/workflows/ci.yml",
      workflowName: "ci",
      eventName: i % 3 === 0 ? "pull_request" : "push",
      sha: i.toString(16).padStart(40, "a"),
      ref: i % 3 === 0 ? `refs/pull/${i}/merge` : "refs/heads/main",
      accessToken: `token-${i}`,
      runNumber: i + 1,
      status: outcome.status,
      conclusion: outcome.conclusion,
      createdAt,
      completedAt: outcome.status === "completed" ? new Date(createdAt.getTime() + 95_000) : null,
    };
  });
  const inserted = await handle.db.insert(runs).values(rows).returning();
  seeded = inserted
    .map((r) => ({
      id: r.id,
      repository: r.repository,
      private: Boolean(r.private),
      outcome: r.conclusion ?? r.status,
      runNumber: r.runNumber,
      at: r.createdAt.getTime(),
    }))
    .sort((a, b) => b.at - a.at);
  // The operator: a browser on this machine, as under `flotilla dev`. Anyone: a bot with an API token.
  operatorUrl = await serve({ trustLoopback: true });
  publicUrl = await serve({ apiToken: API_TOKEN });
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.close();
  await handle?.close();
  await database?.drop();
});

const shownRuns = () =>
  page.evaluate<string[]>(`[...document.querySelectorAll("tr[data-run]")].map((r) => r.dataset.run)`);
const ids = (list: typeof seeded) => list.map((r) => r.id);

describe("the runs list in a browser", { timeout: 120_000 }, () => {
  it("shows the newest runs first, a page at a time, and moves between pages both ways", async () => {
    await page.goto(`${operatorUrl}/`);
    expect(await shownRuns()).toEqual(ids(seeded.slice(0, 10)));
    expect(await page.text("a[rel=prev]")).toBe("");
    await page.clickAndWait("a[rel=next]");
    expect(await shownRuns()).toEqual(ids(seeded.slice(10, 20)));
    await page.clickAndWait("a[rel=next]");
    expect(await shownRuns()).toEqual(ids(seeded.slice(20, 30)));
    expect(await page.text("a[rel=next]")).toBe("");
    await page.clickAndWait("a[rel=prev]");
    expect(await shownRuns()).toEqual(ids(seeded.slice(10, 20)));
    await page.clickAndWait("a[rel=prev]");
    expect(await shownRuns()).toEqual(ids(seeded.slice(0, 10)));
    expect(await page.text("a[rel=prev]")).toBe("");
  });

  it("narrows by status and by repository with the filter form, and keeps the filter across pages", async () => {
    await page.goto(`${operatorUrl}/`);
    await page.fill("select[name=status]", "failure");
    await page.clickAndWait("form.filter button");
    expect(new URL(await page.url()).searchParams.get("status")).toBe("failure");
    const failures = seeded.filter((r) => r.outcome === "failure");
    expect(failures.length).toBe(6);
    expect(await shownRuns()).toEqual(ids(failures));
    expect(await page.text("a[rel=next]")).toBe("");

    await page.fill("select[name=status]", "");
    await page.fill("select[name=repository]", "acme/app");
    await page.clickAndWait("form.filter button");
    const app = seeded.filter((r) => r.repository === "acme/app");
    expect(await shownRuns()).toEqual(ids(app.slice(0, 8)));
    expect(
      await page.evaluate<string[]>(
        `[...document.querySelectorAll("tr[data-run] td:nth-child(3)")].map((c) => c.textContent)`,
      ),
    ).toEqual(app.slice(0, 8).map(() => "acme/app"));

    // Both filters at once, then the next page of them.
    await page.goto(`${operatorUrl}/?repository=gitlab.example.com%2Fteam%2Ftool&status=success`);
    const both = seeded.filter((r) => r.repository === "gitlab.example.com/team/tool" && r.outcome === "success");
    expect(await shownRuns()).toEqual(ids(both));
    expect(await page.text("select[name=repository] option[selected]")).toBe("gitlab.example.com/team/tool");
  });

  it("opens a run's page from its row, and leads back to the list", async () => {
    await page.goto(`${operatorUrl}/`);
    const newest = seeded[0]!;
    expect(await page.text(`tr[data-run="${newest.id}"] td:nth-child(8)`)).toMatch(/ago$/);
    await page.clickAndWait(`tr[data-run="${newest.id}"] td:nth-child(2) a`);
    expect(await page.text("h1")).toBe(`ci #${newest.runNumber}`);
    await page.clickAndWait("header a");
    expect(await shownRuns()).toEqual(ids(seeded.slice(0, 10)));
  });
});

describe("the runs list as served", () => {
  const runIdsIn = (html: string) => [...html.matchAll(/<tr data-run="([^"]+)"/g)].map((m) => m[1]);

  it("is readable without JavaScript, and shows anonymous viewers public repositories only", async () => {
    const response = await fetch(`${publicUrl}/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toContain("<script");
    const visible = seeded.filter((r) => !r.private);
    expect(runIdsIn(html)).toEqual(ids(visible.slice(0, 10)));
    expect(html).not.toContain("acme/secret");
    expect(html).not.toContain("git.local/srv/git/lib");
    // Naming a private repository shows nothing of it.
    const named = await (await fetch(`${publicUrl}/?repository=acme%2Fsecret`)).text();
    expect(runIdsIn(named)).toEqual([]);
    expect(named).toContain("No runs match.");
    // The row says what a person needs: status, workflow, repository, branch or PR, commit, trigger, duration.
    const first = visible[0]!;
    const row = new RegExp(`<tr data-run="${first.id}">(.*?)</tr>`).exec(html)![1]!;
    expect(row).toContain(`ci #${first.runNumber}`);
    expect(row).toContain(`/runs/${first.id}?token=`);
    expect(row).toContain("<td>main</td>");
    expect(row).toContain("<td>push</td>");
    expect(row).toContain("<td>1m 35s</td>");
    // A pull request's run names the pull request, not its test merge ref.
    expect(html).toContain("<td>PR #24</td><td><code>");
  });

  it("asks for the API token on sign-in, and shows every repository to whoever sends it", async () => {
    const signIn = await fetch(`${publicUrl}/?signin=1`);
    expect(signIn.status).toBe(401);
    expect(signIn.headers.get("www-authenticate")).toMatch(/^Basic realm="Flotilla"/);
    const basic = `Basic ${Buffer.from(`me:${API_TOKEN}`).toString("base64")}`;
    const html = await (await fetch(`${publicUrl}/`, { headers: { authorization: basic } })).text();
    expect(runIdsIn(html)).toEqual(ids(seeded.slice(0, 10)));
    const wrong = `Basic ${Buffer.from("me:not-the-token-at-all").toString("base64")}`;
    const refused = await (await fetch(`${publicUrl}/`, { headers: { authorization: wrong } })).text();
    expect(runIdsIn(refused)).toEqual(ids(seeded.filter((r) => !r.private).slice(0, 10)));
  });
});
