/**
 * A real browser for page tests: Debian's Chromium, headless, driven by `playwright-core`. It
 * does what a person does: open a URL, fill a field, click, read what the page shows. The few
 * calls the page tests need are named here, so a test reads as the person's steps.
 */
import { existsSync } from "node:fs";
import { chromium, type Page as PlaywrightPage } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
const CHROMIUM = "/usr/bin/chromium";

export interface Browser {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface Page {
  /** Opens `url` and waits for its load event. */
  goto(url: string): Promise<void>;
  /** The value of a JavaScript expression in the page (JSON-serialisable). */
  evaluate<T>(expression: string): Promise<T>;
  /** Sets the value of the form field `selector` as typing (or choosing, in a `<select>`) would. */
  fill(selector: string, value: string): Promise<void>;
  /** Clicks `selector` and waits for the page it opens to load. */
  clickAndWait(selector: string): Promise<void>;
  /** `textContent` of the first element matching `selector` ("" when none). */
  text(selector: string): Promise<string>;
  /** The current URL. */
  url(): Promise<string>;
  screenshot(): Promise<Buffer>;
  /** Waits until a JavaScript expression in the page is truthy, and returns its value. */
  waitFor<T>(expression: string, timeoutMs?: number): Promise<T>;
  /** Clicks `selector`, holding Shift when told, staying on the page. */
  click(selector: string, options?: { shift?: boolean }): Promise<void>;
  /** Presses `key` (as Playwright names keys: "Enter", "Shift+Enter") in the field `selector`. */
  press(selector: string, key: string): Promise<void>;
  /** Turns the mouse wheel over the page, as a reader scrolling does (`dy` < 0 is up). */
  wheel(dy: number): Promise<void>;
  /** Clicks `selector` and returns the text of the file it downloads. */
  download(selector: string): Promise<string>;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return {
    async newPage() {
      // The size the screenshots in docs/images/ are taken at.
      return wrap(await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true }));
    },
    close: () => browser.close(),
  };
}

function wrap(page: PlaywrightPage): Page {
  return {
    async goto(url) {
      await page.goto(url, { waitUntil: "load" });
    },
    evaluate: <T>(expression: string) => page.evaluate(expression) as Promise<T>,
    async fill(selector, value) {
      // A <select> is chosen from, as a person does; any other field is typed into.
      const tag = await page.$eval(selector, (element) => element.tagName);
      if (tag === "SELECT") await page.selectOption(selector, value);
      else await page.fill(selector, value);
    },
    async clickAndWait(selector) {
      await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click(selector)]);
    },
    async text(selector) {
      const element = await page.$(selector);
      return (await element?.textContent()) ?? "";
    },
    url: async () => page.url(),
    screenshot: () => page.screenshot(),
    async waitFor<T>(expression: string, timeoutMs = 30_000) {
      const handle = await page.waitForFunction(expression, undefined, { timeout: timeoutMs, polling: "raf" });
      return (await handle.jsonValue()) as T;
    },
    async click(selector, options = {}) {
      await page.click(selector, options.shift ? { modifiers: ["Shift"] } : {});
    },
    async press(selector, key) {
      await page.press(selector, key);
    },
    async wheel(dy) {
      await page.mouse.move(640, 400);
      await page.mouse.wheel(0, dy);
    },
    async download(selector) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
      const stream = await download.createReadStream();
      const parts: Buffer[] = [];
      for await (const part of stream) parts.push(part as Buffer);
      return Buffer.concat(parts).toString("utf8");
    },
  };
}
