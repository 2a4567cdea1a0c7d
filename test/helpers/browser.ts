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
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking"],
  });
  return {
    async newPage() {
      return wrap(await browser.newPage());
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
  };
}
