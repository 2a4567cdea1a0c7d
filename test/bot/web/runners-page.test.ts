/**
 * `/runners` in a real browser (Chromium) against the real bot, NATS and runners: the page, once
 * open, shows a runner that starts afterwards, without reloading — the table comes again over
 * the page's event stream when the new runner's first heartbeat arrives.
 */
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "../../helpers/browser.ts";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";

const f = flotillaSuite({ trustLoopback: true, runners: [{ name: "first" }] });
let browser: Browser;

const NAMES = `[...document.querySelectorAll("#runners tr td:first-child")].map((td) => td.textContent)`;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe("runners page", () => {
  it("shows a runner that starts while it is open, without reloading", async () => {
    const page = await browser.newPage();
    await page.goto(`${f.publicUrl}/runners`);
    expect(await page.evaluate<string[]>(NAMES)).toEqual(["first"]);
    await page.evaluate("window.notReloaded = true");
    await f.startRunner({ name: "second", labels: ["gpu"] });
    await page.waitFor(`${NAMES}.includes("second") && window.notReloaded`);
    expect(await page.text("#runners")).toContain("gpu");
    await writeFile(new URL("../../../docs/images/runners-page.png", import.meta.url), await page.screenshot());
  }, 60_000);
});
