/**
 * The job page as a person uses it, in a real browser (Chromium) against the real bot, NATS,
 * Postgres and a runner: a job that prints 200 lines over ten seconds shows them as they come,
 * in order and none twice, also after the connection is cut under the open page; the page
 * follows the tail until the reader scrolls up, and again once they are back at the bottom;
 * groups fold; a permalink opens scrolled to its lines, highlighted; the raw download is what
 * the runner sent, with the secret masked — in the page and the stream too. The run page, open
 * beside it, shows the job's state change without reloading.
 */
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LogChunk } from "../../../protocol/messages.ts";
import { launchBrowser, type Browser, type Page } from "../../helpers/browser.ts";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";
import { startTcpProxy, type TcpProxy } from "../../helpers/tcp-proxy.ts";

const SECRET = "s3cr3t-value-42";
const WORKFLOW = `on: push
jobs:
  count:
    runs-on: self-hosted
    steps:
      - name: Set up
        run: |
          echo "::add-mask::${SECRET}"
          echo "::group::Tools"
          echo "tool one"
          echo "tool two"
          echo "::endgroup::"
          echo "token is ${SECRET}"
      - name: Count
        run: for i in $(seq 1 200); do echo "line $i"; if [ $((i % 5)) = 0 ]; then sleep 0.25; fi; done
`;

const f = flotillaSuite({ runners: [{ name: "one" }] });
let browser: Browser;
let proxy: TcpProxy;
/** The job page's address, through the proxy. */
let url: string;
/** What the runner published, by byte offset. */
const sent = new Map<number, string>();

const LINES = `[...document.querySelectorAll("#log .l")].map((l) => l.textContent)`;
const AT_BOTTOM = "window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 24";
const hasLine = (text: string) => `${LINES}.includes(${JSON.stringify(text)})`;

beforeAll(async () => {
  browser = await launchBrowser();
  proxy = await startTcpProxy(new URL(f.publicUrl));
  const sub = f.bot.bus.nc.subscribe(`${f.prefix}.logs.*.*`);
  void (async () => {
    for await (const msg of sub) {
      const chunk = LogChunk.parse(msg.json());
      sent.set(chunk.offset, chunk.data);
    }
  })();
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
});

describe("job page", () => {
  it("shows a running job's lines as they come, follows the tail, and survives a cut connection", async () => {
    const { repo, sha } = await f.repository("acme", "live", {
      "README.md": "x\n",
      ".flotilla/workflows/ci.yml": WORKFLOW,
    });
    await f.push(repo, sha);
    const check = await f.fake.waitForCheckRun("count", (r) => r.run.status === "in_progress", { timeoutMs: 30_000 });
    url = String(check.run.details_url).replace(f.publicUrl, proxy.url);
    const page = await browser.newPage();
    await page.goto(url);
    // The run page, open beside it, shows the job running; it will change without a reload.
    const runPage = await browser.newPage();
    await runPage.goto(await page.evaluate<string>(`document.querySelector(".run-header a").href`));
    expect(await runPage.text("li[data-job] .state")).toBe("in progress");
    await runPage.evaluate("window.notReloaded = true");

    // Lines arrive while the job runs, and the page keeps its bottom in view.
    await page.waitFor(hasLine("line 60"));
    expect(await page.evaluate<boolean>(`${hasLine("line 200")}`)).toBe(false);
    await page.waitFor(AT_BOTTOM);

    // Scrolling up stops following: new lines come, the view stays where the reader put it.
    await page.wheel(-300);
    await page.waitFor(`!document.getElementById("follow").hidden`);
    const kept = await page.evaluate<number>("window.scrollY");
    await page.waitFor(hasLine("line 100"));
    expect(await page.evaluate<number>("window.scrollY")).toBe(kept);
    expect(await page.evaluate<boolean>(AT_BOTTOM)).toBe(false);

    // Back at the bottom, it follows again.
    await page.wheel(100_000);
    await page.waitFor(`document.getElementById("follow").hidden`);
    await page.waitFor(hasLine("line 120"));
    expect(await page.evaluate<boolean>(AT_BOTTOM)).toBe(true);

    // The connection is cut under the open page: the stream comes back and goes on where it was.
    expect(await page.evaluate<boolean>(hasLine("line 200"))).toBe(false);
    expect(proxy.cut()).toBeGreaterThan(0);
    await page.waitFor(`document.getElementById("job-status").textContent === "success"`, 45_000);
    await runPage.waitFor(
      `document.querySelector("li[data-job] .state").textContent === "success" && window.notReloaded`,
    );
    const lines = await page.evaluate<string[]>(LINES);
    const counted = lines.filter((l) => /^line \d+$/.test(l));
    expect(counted).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i + 1}`));
    expect(lines).toContain("token is ***");
    expect(await page.evaluate<string>("document.documentElement.outerHTML")).not.toContain(SECRET);
    // The steps are listed with their results.
    expect(await page.text("#steps")).toMatch(/Set up\s*success/);
    expect(await page.text("#steps")).toMatch(/Count\s*success\d+s/);

    // The raw log is what the runner sent, masked.
    const raw = await page.download("#raw");
    const runnerOutput = [...sent.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, data]) => data)
      .join("");
    expect(raw).toContain("token is ***\n");
    expect(raw).not.toContain(SECRET);
    expect(raw).toBe(runnerOutput);
    // Line numbers are the raw log's lines.
    const numbered = await page.evaluate<string[]>(`[...document.querySelectorAll("#log .l")].map((l) => l.id)`);
    expect(numbered.at(-1)).toBe(`L${raw.split("\n").length - 1}`);
  }, 90_000);

  it("folds groups, and opens a permalink scrolled to its lines and highlighted", async () => {
    const page: Page = await browser.newPage();
    await page.goto(url);
    const toolLine = await page.evaluate<string>(
      `[...document.querySelectorAll("#log .l")].find((l) => l.textContent === "tool one").id`,
    );
    expect(await page.evaluate<boolean>(`document.getElementById("${toolLine}").checkVisibility()`)).toBe(false);
    await page.click("#log details > summary");
    expect(await page.evaluate<boolean>(`document.getElementById("${toolLine}").checkVisibility()`)).toBe(true);
    await page.evaluate("window.scrollTo(0, 0)");
    await writeFile(new URL("../../../docs/images/job-page.png", import.meta.url), await page.screenshot());

    const n = Number(
      (
        await page.evaluate<string>(
          `[...document.querySelectorAll("#log .l")].find((l) => l.textContent === "line 150").id`,
        )
      ).slice(1),
    );
    const linked = await browser.newPage();
    await linked.goto(`${url}#L${n}-L${n + 2}`);
    expect(
      await linked.evaluate<string[]>(`[...document.querySelectorAll("#log .hl")].map((l) => l.textContent)`),
    ).toEqual(["line 150", "line 151", "line 152"]);
    const top = await linked.evaluate<number>(`document.getElementById("L${n}").getBoundingClientRect().top`);
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(800);

    // Shift-click makes a range from the selected line; a line inside a fold opens it.
    await linked.click(`#L${n + 5} .n`, { shift: true });
    expect(new URL(await linked.url()).hash).toBe(`#L${n}-L${n + 5}`);
    const inFold = await browser.newPage();
    await inFold.goto(`${url}#${toolLine}`);
    expect(await inFold.evaluate<boolean>(`document.getElementById("${toolLine}").checkVisibility()`)).toBe(true);
    expect(
      await inFold.evaluate<string[]>(`[...document.querySelectorAll("#log .hl")].map((l) => l.textContent)`),
    ).toEqual(["tool one"]);
  }, 60_000);

  it("finds the lines that contain a text, one after another, opening the folds they are in", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill("#find", "TOOL ");
    await page.press("#find", "Enter");
    expect(await page.text("#find-count")).toBe("1 of 2");
    expect(await page.text("#log .l.current")).toBe("tool one");
    expect(await page.evaluate<boolean>(`document.querySelector("#log .l.current").checkVisibility()`)).toBe(true);
    await page.press("#find", "Enter");
    expect(await page.text("#find-count")).toBe("2 of 2");
    expect(await page.text("#log .l.current")).toBe("tool two");
    await page.press("#find", "Enter");
    expect(await page.text("#log .l.current")).toBe("tool one");
    await page.press("#find", "Shift+Enter");
    expect(await page.text("#log .l.current")).toBe("tool two");
    await page.fill("#find", "line 150");
    await page.press("#find", "Enter");
    expect(await page.text("#find-count")).toBe("1 of 1");
    const top = await page.evaluate<number>(`document.querySelector("#log .l.current").getBoundingClientRect().top`);
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(800);
    await page.fill("#find", "no such text");
    await page.press("#find", "Enter");
    expect(await page.text("#find-count")).toBe("no line has it");
  });

  it("refuses the page, its stream and the raw log without the run's token", async () => {
    for (const path of ["", "/events", "/log.txt"]) {
      const wrong = url.replace("?token=", `${path}?token=x`);
      expect((await fetch(wrong)).status).toBe(404);
    }
  });
});
