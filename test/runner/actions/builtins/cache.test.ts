/**
 * actions/cache, cache/restore and cache/save through a real runner, NATS object store, tar
 * and processes: saved at the end of a job that succeeded, restored by key or prefix, and
 * scoped per repository and branch as on GitHub.
 */
import { describe, expect, it } from "vitest";
import type { JobMessageInput } from "../../../../protocol/messages.ts";
import { randomId } from "../../support.ts";
import { storesSuite } from "./support.ts";

const h = storesSuite();

/** A job of `steps` on a push to `branch` of a repository whose default branch is main; each test its own repository. */
function runOn(repository: string, branch: string, steps: JobMessageInput["steps"]) {
  return h.runJob({
    repository: { fullName: repository },
    ref: `refs/heads/${branch}`,
    contexts: { github: { event: { repository: { default_branch: "main" } } } },
    steps,
  });
}

const cacheStep = (key: string, extra: Record<string, string> = {}) => ({
  id: "cache",
  name: "cache",
  uses: "actions/cache@v4",
  with: { path: "deps\n~/.tool", key, ...extra },
});
const fill = { name: "fill", run: "mkdir -p deps ~/.tool && echo built > deps/lib.txt && echo home > ~/.tool/t.txt" };
const show = {
  name: "show",
  run: "echo hit=${{ steps.cache.outputs.cache-hit }}; cat deps/lib.txt ~/.tool/t.txt 2>/dev/null || echo empty",
};

describe.concurrent("actions/cache", () => {
  it("misses, saves at the end of the job, then hits with the files back (HOME included)", async () => {
    const repo = `octo/${randomId("r")}`;
    const first = await runOn(repo, "main", [cacheStep("deps-1"), show, fill]);
    expect(first.completed.conclusion).toBe("success");
    expect(first.log).toContain("hit=false\nempty\n");
    expect(first.completed.steps.map((s) => s.name)).toEqual(["cache", "show", "fill", "Post Cache"]);
    expect(first.log).toContain("Cache saved with key: deps-1");
    const second = await runOn(repo, "main", [cacheStep("deps-1"), show]);
    expect(second.log).toContain("hit=true\nbuilt\nhome\n");
    // An exact hit saves nothing: no post step.
    expect(second.completed.steps.map((s) => s.name)).toEqual(["cache", "show"]);
  });

  it("restore-keys: a prefix match restores with cache-hit false, then saves the new key", async () => {
    const repo = `octo/${randomId("r")}`;
    await runOn(repo, "main", [cacheStep("deps-linux-aaa"), fill]);
    const second = await runOn(repo, "main", [
      cacheStep("deps-linux-bbb", { "restore-keys": "deps-mac-\ndeps-linux-" }),
      show,
    ]);
    expect(second.log).toContain("Cache restored from key: deps-linux-aaa");
    expect(second.log).toContain("hit=false\nbuilt\n");
    expect(second.log).toContain("Cache saved with key: deps-linux-bbb");
  });

  it("a feature branch's cache is not seen by another branch; main's is seen by all", async () => {
    const repo = `octo/${randomId("r")}`;
    await runOn(repo, "feature-a", [cacheStep("k-feature"), fill]);
    const other = await runOn(repo, "feature-b", [cacheStep("k-feature", { "lookup-only": "true" }), show]);
    expect(other.log).toContain("hit=false\n");
    const same = await runOn(repo, "feature-a", [cacheStep("k-feature", { "lookup-only": "true" }), show]);
    expect(same.log).toContain("hit=true\nempty\n");
    await runOn(repo, "main", [cacheStep("k-main"), fill]);
    const fromMain = await runOn(repo, "feature-b", [cacheStep("k-main"), show]);
    expect(fromMain.log).toContain("hit=true\nbuilt\n");
    expect(fromMain.log).toContain("(saved on refs/heads/main)");
    // Another repository sees nothing of it.
    const elsewhere = await runOn(`${repo}-x`, "main", [cacheStep("k-main"), show]);
    expect(elsewhere.log).toContain("hit=false\n");
  });

  it("a failed job saves nothing; fail-on-cache-miss fails the step", async () => {
    const repo = `octo/${randomId("r")}`;
    const failed = await runOn(repo, "main", [cacheStep("k"), fill, { name: "break", run: "exit 1" }]);
    expect(failed.completed.conclusion).toBe("failure");
    expect(failed.results.at(-1)).toEqual(["skipped", "skipped"]);
    const strict = await runOn(repo, "main", [cacheStep("k", { "fail-on-cache-miss": "true" })]);
    expect(strict.completed.message).toContain(
      "Failed to restore cache entry. Exiting as fail-on-cache-miss is set. Input key: k",
    );
  });

  it("cache/save saves at once and never overwrites; cache/restore reports the keys", async () => {
    const repo = `octo/${randomId("r")}`;
    const paths = "deps\n~/.tool";
    const { log, completed } = await runOn(repo, "main", [
      fill,
      { name: "save", uses: "actions/cache/save@v4", with: { path: paths, key: "s-1" } },
      { name: "change", run: "echo changed > deps/lib.txt" },
      { name: "save again", uses: "actions/cache/save@v4", with: { path: paths, key: "s-1" } },
      { name: "wipe", run: "rm -rf deps ~/.tool" },
      {
        id: "r",
        name: "restore",
        uses: "actions/cache/restore@v4",
        with: { path: paths, key: "s-2", "restore-keys": "s-" },
      },
      {
        name: "keys",
        run: "echo '${{ steps.r.outputs.cache-hit }}/${{ steps.r.outputs.cache-primary-key }}/${{ steps.r.outputs.cache-matched-key }}'; cat deps/lib.txt",
      },
    ]);
    expect(completed.conclusion).toBe("success");
    expect(log).toContain(
      "Failed to save: Unable to reserve cache with key s-1, another job may be creating this cache.",
    );
    expect(log).toContain("false/s-2/s-1\nbuilt\n");
    expect(completed.steps.map((s) => s.name)).not.toContain("Post Cache");
  });
});
