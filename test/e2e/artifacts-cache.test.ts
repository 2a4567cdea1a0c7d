/**
 * Artifacts and caches end to end: a push planned by the real bot, jobs run by real runners,
 * an artifact handed from one job to the next and offered on the run page, and a cache that
 * the second push of the same branch (and a push to another branch) restores.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { Objm } from "@nats-io/obj";
import { runs } from "../../db/schema.ts";
import { startArtifactSweep } from "../../bot/web/artifacts.ts";
import { artifactObjectName } from "../../protocol/object-stores.ts";
import { commitFiles, createBranch, createRepo, git } from "../helpers/git-repo.ts";
import { INSTALLATION_ID, testLogger } from "../helpers/flotilla.ts";
import type { CheckRunRecord, FakeRepository } from "../helpers/fake-github.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { dropObjectStores } from "../runner/actions/builtins/support.ts";

const scratch = scratchDir("flotilla-artifacts-");

const f = flotillaSuite({
  runners: [{ name: "one" }, { name: "two" }],
});

afterAll(async () => {
  await dropObjectStores(f.bot.bus.jsm, f.bot.bus.names);
});

async function push(repo: FakeRepository, sha: string, ref?: string): Promise<void> {
  await f.push(repo, sha, ref ? { ref } : {});
}

async function finished(sha: string, name: string): Promise<CheckRunRecord> {
  return f.fake.waitFor(
    () => f.fake.checkRuns.find((r) => r.run.head_sha === sha && r.run.name === name && r.run.status === "completed"),
    { timeoutMs: 45_000 },
  );
}

const text = (record: CheckRunRecord) => (record.run.output as { text: string }).text;

describe("artifacts", () => {
  it("passes an artifact to the job that needs it, lists it on the run page and serves it with the token", async () => {
    const dir = join(scratch(), "artifacts");
    const workflow = `on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - run: mkdir -p out/docs && echo "made by build" > out/result.txt && echo "a doc" > out/docs/readme.md
      - uses: actions/upload-artifact@v4
        with:
          name: result
          path: out/
          retention-days: 3
  use:
    needs: build
    runs-on: self-hosted
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: result
          path: got
      - run: cat got/result.txt got/docs/readme.md
`;
    const { sha } = await createRepo(dir, { "README.md": "x\n", ".flotilla/workflows/ci.yml": workflow });
    const repo = await f.fake.addRepository({
      owner: "acme",
      name: "artifacts",
      dir,
      private: true,
      installationId: INSTALLATION_ID,
    });
    await push(repo, sha);
    const [build, use] = [await finished(sha, "build"), await finished(sha, "use")];
    expect([build.run.conclusion, use.run.conclusion]).toEqual(["success", "success"]);
    expect(text(use)).toContain("made by build\na doc\n");

    const [run] = await f.bot.db.db.select().from(runs).where(eq(runs.sha, sha));
    const pageUrl = `${f.publicUrl}/runs/${run!.id}?token=${run!.accessToken}`;
    const html = await (await fetch(pageUrl)).text();
    expect(html).toContain("<h2>Artifacts</h2>");
    const link = /href="([^"]*\/artifacts\/result[^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
    expect(link).toBe(`/runs/${run!.id}/artifacts/result?token=${run!.accessToken}`);
    expect(html).toMatch(/<td>build<\/td><td>default<\/td><td>\d{4}-\d{2}-\d{2}<\/td>/);

    const download = await fetch(`${f.publicUrl}${link!}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toBe('attachment; filename="result.tar.gz"');
    const archive = join(scratch(), "result.tar.gz");
    await writeFile(archive, Buffer.from(await download.arrayBuffer()));
    const unpacked = join(scratch(), "unpacked");
    await execa("mkdir", ["-p", unpacked]);
    await execa("tar", ["-xzf", archive, "-C", unpacked]);
    expect(await readFile(join(unpacked, "result.txt"), "utf8")).toBe("made by build\n");
    expect(await readFile(join(unpacked, "docs/readme.md"), "utf8")).toBe("a doc\n");

    expect((await fetch(`${f.publicUrl}/runs/${run!.id}/artifacts/result`)).status).toBe(404);
    expect((await fetch(`${f.publicUrl}/runs/${run!.id}/artifacts/result?token=wrong`)).status).toBe(404);
    expect((await fetch(`${f.publicUrl}/runs/${run!.id}/artifacts/nothing?token=${run!.accessToken}`)).status).toBe(
      404,
    );

    // Past its retention: 410, then gone from the page (deleted when met).
    const store = await new Objm(f.bot.bus.nc).open(f.bot.bus.names.artifactsBucket);
    const objectName = artifactObjectName(run!.id, "default", "result");
    const info = JSON.parse((await store.info(objectName))!.description!) as Record<string, string>;
    await store.update(objectName, {
      description: JSON.stringify({ ...info, expiresAt: new Date(Date.now() - 1_000).toISOString() }),
    });
    expect((await fetch(`${f.publicUrl}${link!}`)).status).toBe(410);
    expect(await (await fetch(pageUrl)).text()).not.toContain("<h2>Artifacts</h2>");
    expect(await store.get(objectName)).toBeNull();
  });

  it("the hourly sweep deletes expired artifacts and keeps live ones", async () => {
    const store = await new Objm(f.bot.bus.nc).open(f.bot.bus.names.artifactsBucket);
    const describe = (name: string, expiresAt: Date) =>
      JSON.stringify({
        runId: "r",
        jobKey: "j",
        namespace: "default",
        name,
        size: 1,
        files: 1,
        uploadedAt: new Date().toISOString(),
        expiresAt: expiresAt.toISOString(),
      });
    await store.putBlob(
      { name: "r/default/old", description: describe("old", new Date(Date.now() - 1_000)) },
      new Uint8Array([1]),
    );
    await store.putBlob(
      { name: "r/default/new", description: describe("new", new Date(Date.now() + 60_000)) },
      new Uint8Array([1]),
    );
    const sweep = startArtifactSweep(store, testLogger());
    try {
      expect(await sweep.sweep()).toBe(1);
    } finally {
      sweep.stop();
    }
    expect((await store.list()).map((o) => o.name)).toContain("r/default/new");
    expect(await store.get("r/default/old")).toBeNull();
  });
});

describe("caches", () => {
  it("misses and saves on the first push, hits on the next, and main's cache serves another branch", async () => {
    const dir = join(scratch(), "cache");
    const workflow = `on: push
jobs:
  deps:
    runs-on: self-hosted
    steps:
      - id: c
        uses: actions/cache@v4
        with:
          path: .deps
          key: deps-\${{ hashFiles('lock.txt') }}
      - run: |
          echo "hit=\${{ steps.c.outputs.cache-hit }}"
          if [ -f .deps/d.txt ]; then cat .deps/d.txt; else mkdir -p .deps && echo "installed once" > .deps/d.txt; fi
`;
    const { sha } = await createRepo(dir, {
      "README.md": "x\n",
      "lock.txt": "v1\n",
      ".flotilla/workflows/ci.yml": workflow,
    });
    const repo = await f.fake.addRepository({
      owner: "acme",
      name: "cached",
      dir,
      private: true,
      installationId: INSTALLATION_ID,
    });
    await push(repo, sha);
    const first = await finished(sha, "deps");
    expect(first.run.conclusion).toBe("success");
    expect(text(first)).toContain("hit=false");
    expect(text(first)).toContain("Cache saved with key: deps-");

    const second = await commitFiles(dir, { "README.md": "y\n" });
    await push(repo, second);
    const again = await finished(second, "deps");
    expect(text(again)).toContain("hit=true\ninstalled once\n");

    await createBranch(dir, "feature");
    await git(dir, ["checkout", "-q", "feature"]);
    const third = await commitFiles(dir, { "README.md": "z\n" });
    await push(repo, third, "refs/heads/feature");
    const branch = await finished(third, "deps");
    expect(text(branch)).toContain("hit=true\ninstalled once\n");
    expect(text(branch)).toContain("(saved on refs/heads/main)");
  });
});
