/**
 * `flotilla run` keeps artifacts and caches where the fleet keeps them in NATS: directories
 * under the repository's `.flotilla/`, so a job downloads what an earlier job uploaded and a
 * second run restores the first run's cache — without either showing in `git status`.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { runSuite, summaryRows } from "./flotilla-run.ts";

const { repo, flotillaRun } = runSuite("flotilla-run-stores-");

describe("flotilla run: artifacts and caches", () => {
  it("downloads in a later job what an earlier one uploaded, kept under .flotilla/artifacts/<run>/", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - run: mkdir -p dist && echo "built at $RANDOM$RANDOM" > dist/app.txt && cat dist/app.txt
      - uses: actions/upload-artifact@v4
        with:
          name: app
          path: dist/
  ship:
    needs: build
    runs-on: self-hosted
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: app
          path: fetched
      - run: echo "shipping $(cat fetched/app.txt)"
`,
    });
    const result = await flotillaRun(dir);
    expect(result.exitCode, result.all).toBe(0);
    const built = /\[build\] (built at \d+)/.exec(result.stdout)?.[1];
    expect(built).toBeDefined();
    expect(result.stdout).toContain(`[ship] shipping ${built}`);
    expect(summaryRows(result.stdout)).toEqual([
      ["build", "success"],
      ["ship", "success"],
    ]);
    const where = /^Artifacts of this run: (\.flotilla\/artifacts\/[0-9a-f-]+)\/$/m.exec(result.stdout)?.[1];
    expect(where, result.stdout).toBeDefined();
    expect((await readdir(join(dir, where!, "local"))).sort()).toEqual(["app.json", "app.tar.gz"]);
    const listed = await execa("tar", ["-tzf", join(dir, where!, "local", "app.tar.gz")]);
    expect(listed.stdout.trim()).toBe("app.txt");
    expect((await execa("git", ["status", "--porcelain"], { cwd: dir })).stdout).toBe("");
  });

  it("restores on the second run the cache the first run saved", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  deps:
    runs-on: self-hosted
    steps:
      - uses: actions/cache@v4
        id: cache
        with:
          path: vendor
          key: vendor-\${{ hashFiles('deps.txt') }}
      - if: steps.cache.outputs.cache-hit != 'true'
        run: mkdir -p vendor && echo "fetched $RANDOM$RANDOM" > vendor/lib.txt
      - run: echo "hit=\${{ steps.cache.outputs.cache-hit }} lib=$(cat vendor/lib.txt)"
`,
      "deps.txt": "left-pad 1.3.0\n",
    });
    const first = await flotillaRun(dir);
    expect(first.exitCode, first.all).toBe(0);
    const lib = /\[deps\] hit=false lib=(fetched \d+)/.exec(first.stdout)?.[1];
    expect(lib, first.stdout).toBeDefined();
    expect(first.stdout).toMatch(/\[deps\] Cache saved with key: vendor-[0-9a-f]{64}/);

    const second = await flotillaRun(dir);
    expect(second.exitCode, second.all).toBe(0);
    expect(second.stdout).toMatch(/\[deps\] Cache restored from key: vendor-[0-9a-f]{64}/);
    expect(second.stdout).toContain(`[deps] hit=true lib=${lib}`);
    expect(second.stdout).not.toContain("Cache saved");
    expect(await readFile(join(dir, ".flotilla/cache/.gitignore"), "utf8")).toContain("*");
    expect((await execa("git", ["status", "--porcelain"], { cwd: dir })).stdout).toBe("");
  });
});
