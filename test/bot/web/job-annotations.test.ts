/**
 * The job page's annotations, in a real browser against the real bot, NATS, Postgres and a
 * runner: a job that prints an `::error` (with a file and line) and a `::warning` among many
 * other lines lists both, with their level, place and message; clicking one scrolls the log to
 * the line that printed it and highlights it — the same line of the raw log.
 */
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "../../helpers/browser.ts";
import { flotillaSuite } from "../../helpers/flotilla-suite.ts";

const WORKFLOW = `on: push
jobs:
  lint:
    runs-on: self-hosted
    steps:
      - name: Prepare
        run: for i in $(seq 1 80); do echo "prepare $i"; done
      - name: Lint
        run: |
          for i in $(seq 1 60); do echo "before $i"; done
          echo "::error file=src/app.ts,line=12::Broken build"
          for i in $(seq 1 120); do echo "between $i"; done
          echo "::warning::Old API in use"
          for i in $(seq 1 60); do echo "after $i"; done
`;

const f = flotillaSuite({ runners: [{ name: "one" }] });
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

const IN_VIEW = (id: string) =>
  `(() => { const r = document.getElementById(${JSON.stringify(id)}).getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })()`;

describe("job page annotations", () => {
  it("lists the job's ::error and ::warning, each linking to the log line that printed it", async () => {
    const { repo, sha } = await f.repository("acme", "annotated", {
      "README.md": "x\n",
      ".flotilla/workflows/ci.yml": WORKFLOW,
    });
    await f.push(repo, sha);
    const check = await f.fake.waitForCheckRun("lint", (r) => r.run.status === "completed", { timeoutMs: 45_000 });
    const page = await browser.newPage();
    await page.goto(String(check.run.details_url));

    const listed = await page.evaluate<{ level: string; where: string; message: string; href: string }[]>(
      `[...document.querySelectorAll("#annotations li")].map((li) => ({
        level: li.querySelector(".level").textContent,
        where: li.querySelector(".where")?.textContent ?? "",
        message: li.querySelector(".message").textContent,
        href: li.querySelector("a").getAttribute("href"),
      }))`,
    );
    expect(listed.map(({ href, ...rest }) => rest)).toEqual([
      { level: "error", where: "src/app.ts:12", message: "Broken build" },
      { level: "warning", where: "", message: "Old API in use" },
    ]);
    // Each links to the raw log's line that carries its command.
    const raw = await page.download("#raw");
    const rawLines = raw.split("\n");
    for (const [i, text] of [
      [0, "Broken build"],
      [1, "Old API in use"],
    ] as const) {
      const n = Number(/^#L(\d+)$/.exec(listed[i]!.href)![1]);
      expect(rawLines[n - 1]).toContain(text);
    }

    // Clicking the warning, far down the log, brings its line into view, highlighted.
    await page.evaluate("window.scrollTo(0, 0)");
    const warning = listed[1]!.href.slice(1);
    expect(await page.evaluate<boolean>(IN_VIEW(warning))).toBe(false);
    await page.click("#annotations li.warning a");
    await page.waitFor(`document.getElementById(${JSON.stringify(warning)}).classList.contains("hl")`);
    await page.waitFor(IN_VIEW(warning));
    expect(await page.text(`#${warning}`)).toContain("Old API in use");
    expect(await page.evaluate<number>(`document.querySelectorAll("#log .l.hl").length`)).toBe(1);

    // Then the error: the highlight moves to its line.
    await page.evaluate("window.scrollTo(0, 0)");
    await page.click("#annotations li.error a");
    const error = listed[0]!.href.slice(1);
    await page.waitFor(`document.getElementById(${JSON.stringify(error)}).classList.contains("hl")`);
    await page.waitFor(IN_VIEW(error));
    expect(await page.evaluate<string[]>(`[...document.querySelectorAll("#log .l.hl")].map((l) => l.id)`)).toEqual([
      error,
    ]);
    await page.evaluate("window.scrollTo(0, 0)");
    await writeFile(new URL("../../../docs/images/job-annotations.png", import.meta.url), await page.screenshot());
  }, 90_000);
});
