/**
 * The first hour, in a real browser (Debian's Chromium): a fresh Flotilla with no GitHub App,
 * as `npm start` makes it (a browser on this machine is the operator), offers the three ways
 * in; the follow-git form, filled and sent, follows a bare repository whose head then runs on
 * the runner, and so does a push to it; `/` turns into the runs list, whose row opens the run page, which opens the job
 * page, and every page leads back to `/`. Real bot, runner, NATS, Postgres, git and browser.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitFollows, runs } from "../../db/schema.ts";
import { gitRepoName } from "../../bot/forges/git/repo-name.ts";
import { launchBrowser, type Browser, type Page } from "../helpers/browser.ts";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { commitFiles, createRepo, git } from "../helpers/git-repo.ts";
import { until } from "../helpers/until.ts";

const f = flotillaSuite({
  githubApp: false,
  trustLoopback: true,
  env: { GIT_POLL_SECONDS: "1" },
  runners: [{ name: "first-hour" }],
});

const WORKFLOW = `name: ci
on: push
jobs:
  hello:
    runs-on: self-hosted
    steps:
      - run: echo "hello from the first hour"
`;

let root: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "flotilla-first-page-"));
  browser = await launchBrowser();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await rm(root, { recursive: true, force: true });
});

/** The run of `sha`, once it has completed. */
function completedRun(sha: string) {
  return until(
    async () => {
      const [row] = await f.bot.db.db.select().from(runs).where(eq(runs.sha, sha));
      return row?.status === "completed" && row;
    },
    120_000,
    `the run of ${sha.slice(0, 7)}`,
    250,
  );
}

describe("the first page", { timeout: 180_000 }, () => {
  it("offers the three ways in, and its follow-git form makes a follow whose head and pushes run", async () => {
    await page.goto(`${f.publicUrl}/`);
    expect(await page.text("h1")).toBe("Welcome to Flotilla");
    // 1. GitHub: the manifest flow, with the webhook URL it will be given.
    expect(await page.text("#github h2")).toContain("register a GitHub App");
    expect(await page.text("#register-github-app button")).toBe("Register GitHub App");
    const manifest = JSON.parse(await page.evaluate<string>(`document.querySelector("input[name=manifest]").value`));
    expect(manifest.hook_attributes.url).toBe(`${f.publicUrl}/api/github/webhooks`);
    expect(manifest.redirect_url).toBe(`${f.publicUrl}/setup/github/callback`);
    expect(manifest.default_events).toContain("push");
    // 2. GitLab: its three settings and the webhook URL.
    const gitlab = await page.text("#gitlab");
    for (const setting of ["GITLAB_URL", "GITLAB_TOKEN", "GITLAB_WEBHOOK_SECRET", `${f.publicUrl}/gitlab/webhook`])
      expect(gitlab).toContain(setting);
    // 3. Follow a git repository: the form, with this checkout as the example.
    expect(await page.evaluate<string>(`document.querySelector("#follow-git input[name=url]").placeholder`)).toBe(
      process.cwd(),
    );

    const work = join(root, "app-work");
    const bare = join(root, "app.git");
    const { sha } = await createRepo(work, { ".flotilla/workflows/ci.yml": WORKFLOW });
    await execa("git", ["clone", "--quiet", "--bare", work, bare]);

    await page.fill("#follow-git input[name=url]", bare);
    await page.clickAndWait("#follow-git button[type=submit]");
    const name = gitRepoName(bare);
    expect(await page.url()).toBe(`${f.publicUrl}/setup?followed=${encodeURIComponent(name)}`);
    expect(await page.text("[role=status]")).toBe(`Following ${name}.`);
    expect(await page.text("#git table")).toContain(bare);
    const [follow] = await f.bot.db.db.select().from(gitFollows).where(eq(gitFollows.name, name));
    expect(follow?.url).toBe(bare);

    // Its head runs on the runner, as a push would.
    const run = await completedRun(sha);
    expect(run.conclusion).toBe("success");
    // A push to the followed repository runs too, and the list shows it first.
    await git(work, ["remote", "add", "origin", bare]);
    const pushed = await commitFiles(work, { "change.txt": "a change\n" }, "a change");
    await git(work, ["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
    const pushedRun = await completedRun(pushed);
    expect(pushedRun.conclusion).toBe("success");

    // `/` is now the runs list; its row opens the run page, which opens the job page.
    await page.goto(`${f.publicUrl}/`);
    expect(await page.text("h1")).toBe("Runs");
    expect(
      await page.evaluate<string[]>(`[...document.querySelectorAll("tr[data-run]")].map((r) => r.dataset.run)`),
    ).toEqual([pushedRun.id, run.id]);
    const row = `tr[data-run="${run.id}"]`;
    expect(await page.text(`${row} td:nth-child(1)`)).toBe("success");
    expect(await page.text(`${row} td:nth-child(3)`)).toBe(name);
    expect(await page.text(`${row} td:nth-child(4)`)).toBe("main");
    expect(await page.text(`${row} td:nth-child(5)`)).toBe(sha.slice(0, 7));
    expect(await page.text(`${row} td:nth-child(6)`)).toBe("push");
    await page.clickAndWait(`${row} td:nth-child(2) a`);
    expect(await page.text("h1")).toBe("ci #1");
    await page.clickAndWait(".graph li[data-job] a");
    expect(await page.text("h1")).toBe("hello");
    expect(await page.text("#log")).toContain("hello from the first hour");
    // The job page links to its runner's page, and back to the run; the header, back to `/`.
    expect(await page.evaluate<string>(`document.querySelector("a.runner")?.getAttribute("href")`)).toBe("/runners");
    await page.clickAndWait(".run-header a");
    expect(await page.text("h1")).toBe("ci #1");
    await page.clickAndWait("header a");
    expect(await page.text("h1")).toBe("Runs");
  });

  it("refuses a follow posted from another site", async () => {
    const senders: Record<string, string>[] = [
      { "sec-fetch-site": "cross-site", origin: "null" },
      { origin: "https://elsewhere.example" },
    ];
    for (const from of senders) {
      const response = await fetch(`${f.publicUrl}/setup/follow-git`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...from },
        body: new URLSearchParams({ url: root }).toString(),
        redirect: "manual",
      });
      expect(response.status).toBe(403);
    }
    expect(await f.bot.db.db.select().from(gitFollows).where(eq(gitFollows.url, root))).toEqual([]);
  });
});
