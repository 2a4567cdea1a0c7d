/**
 * The first page's routes on a bot that is not `flotilla dev` (real Postgres, real git):
 * GitHub's manifest flow in Chromium, from "Register GitHub App" through GitHub's page and
 * back to the callback that writes the app's credentials to `.env`; and who may follow a
 * repository — nobody anonymous, the API token's holder yes — as a browser-less client sees it.
 */
import { generateKeyPairSync } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseEnv } from "dotenv";
import { eq } from "drizzle-orm";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, type DbHandle } from "../../../db/client.ts";
import { migrate } from "../../../db/migrate.ts";
import { gitFollows } from "../../../db/schema.ts";
import { setupPages } from "../../../bot/web/setup-handler.ts";
import type { ViewerPolicy } from "../../../bot/web/viewer.ts";
import { launchBrowser, type Browser } from "../../helpers/browser.ts";
import { startFakeManifestGitHub, type FakeManifestGitHub } from "../../helpers/fake-github-manifest.ts";
import { testLogger } from "../../helpers/flotilla.ts";
import { createRepo } from "../../helpers/git-repo.ts";
import { createTestDatabase, type TestDatabase } from "../../helpers/postgres.ts";

const API_TOKEN = "the-operators-api-token";
const basic = (token: string) => `Basic ${Buffer.from(`ops:${token}`).toString("base64")}`;

let database: TestDatabase;
let handle: DbHandle;
let github: FakeManifestGitHub;
let dir: string;
let browser: Browser;
const servers: Server[] = [];

async function serve(policy: ViewerPolicy): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const setup = setupPages({
    db: handle.db,
    policy,
    publicUrl: url,
    github: { configured: false, serverUrl: github.url, apiUrl: github.apiUrl },
    gitlab: { configured: false },
    dir,
    log: testLogger(),
  });
  server.on("request", async (req, res) => {
    if (!(await setup.handler(req, res))) res.writeHead(404).end();
  });
  servers.push(server);
  return url;
}

beforeAll(async () => {
  database = await createTestDatabase();
  handle = await openDb({ url: database.url });
  await migrate(handle, database.url);
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  github = await startFakeManifestGitHub(privateKey);
  dir = await mkdtemp(join(tmpdir(), "flotilla-setup-"));
  await copyFile(join(process.cwd(), "app.yml"), join(dir, "app.yml"));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) server.close();
  await github?.close();
  await handle?.close();
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("registering the GitHub App", { timeout: 60_000 }, () => {
  it("posts app.yml's manifest to GitHub and saves the app GitHub hands back to .env", async () => {
    // A bot with no API token keeps Probot's open setup page: anyone who reaches it registers.
    const bot = await serve({});
    const page = await browser.newPage();
    await page.goto(`${bot}/setup`);
    expect(await page.text("#git")).toContain("set FLOTILLA_API_TOKEN");
    expect(await page.text("#follow-git")).toBe("");
    await page.clickAndWait("#register-github-app button");

    const [manifest] = github.manifests as {
      default_permissions: Record<string, string>;
      hook_attributes: { url: string };
      redirect_url: string;
    }[];
    expect(manifest?.default_permissions.checks).toBe("write");
    expect(manifest?.hook_attributes.url).toBe(`${bot}/api/github/webhooks`);
    expect(manifest?.redirect_url).toBe(`${bot}/setup/github/callback`);
    expect(await page.text("h1")).toBe("GitHub App registered");
    expect(await page.evaluate<string>(`document.querySelector("#install-app").href`)).toBe(
      `${github.app.htmlUrl}/installations/new`,
    );
    const env = parseEnv(await readFile(join(dir, ".env"), "utf8"));
    expect(env.APP_ID).toBe(String(github.app.id));
    expect(env.PRIVATE_KEY).toBe(github.app.pem);
    expect(env.WEBHOOK_SECRET).toBe(github.app.webhookSecret);
  });

  it("refuses a callback that did not start on this bot's page", async () => {
    const bot = await serve({});
    const answer = await fetch(`${bot}/setup/github/callback?code=whatever&state=not-ours`);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("Start again");
  });
});

describe("following a repository from the first page", () => {
  let bot: string;
  let bare: string;
  beforeAll(async () => {
    bot = await serve({ apiToken: API_TOKEN });
    const work = join(dir, "work");
    bare = join(dir, "followed.git");
    await createRepo(work, { "README.md": "x\n" });
    await execa("git", ["clone", "--quiet", "--bare", work, bare]);
  });
  const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${bot}/setup/follow-git`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    });
  const followed = () => handle.db.select().from(gitFollows).where(eq(gitFollows.url, bare));

  it("shows anonymous visitors no form, and refuses their posts and their app registration", async () => {
    const html = await (await fetch(`${bot}/setup`)).text();
    expect(html).not.toContain('id="follow-git"');
    expect(html).not.toContain('id="register-github-app"');
    expect(html).toContain("sign in with the API token");
    expect((await post({ url: bare })).status).toBe(401);
    expect((await post({ url: bare }, { authorization: basic("a-wrong-token-here") })).status).toBe(401);
    expect((await fetch(`${bot}/setup/github/callback?code=x&state=y`)).status).toBe(401);
    expect(await followed()).toEqual([]);
  });

  it("follows for the API token's holder, and says why when git cannot reach the repository", async () => {
    const missing = await post({ url: join(dir, "nothing-here.git") }, { authorization: basic(API_TOKEN) });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("the bot cannot fetch");
    const answer = await post(
      { url: bare, branches: "main, release/*", namespace: "" },
      { authorization: basic(API_TOKEN) },
    );
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toMatch(/^\/setup\?followed=git\.local/);
    const [follow] = await followed();
    expect(follow?.branches).toEqual(["main", "release/*"]);
    const page = await (await fetch(`${bot}/setup`, { headers: { authorization: basic(API_TOKEN) } })).text();
    expect(page).toContain('id="follow-git"');
    expect(page).toContain(bare);
  });
});
