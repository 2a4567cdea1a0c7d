/**
 * upload-artifact and download-artifact through a real runner, NATS object store, tar and
 * processes: jobs of one run hand files to each other, as on GitHub.
 */
import { Objm } from "@nats-io/obj";
import { describe, expect, it } from "vitest";
import { artifactObjectName } from "../../../../protocol/object-stores.ts";
import { randomId } from "../../support.ts";
import { storesSuite } from "./support.ts";

const h = storesSuite();

const upload = (name: string, path: string, extra: Record<string, string> = {}) => ({
  name: `upload ${name}`,
  uses: "actions/upload-artifact@v4",
  with: { name, path, ...extra },
});

describe.concurrent("artifacts", () => {
  it("uploads in one job and downloads in the next, paths relative to the common root", async () => {
    const runId = randomId("run-");
    const first = await h.runJob({
      runId,
      jobKey: "build",
      steps: [
        {
          name: "make",
          run: "mkdir -p dist/sub && printf 'one\\n' > dist/a.txt && printf 'two\\n' > dist/sub/b.txt && printf 'skip\\n' > dist/skip.log",
        },
        { ...upload("dist", "dist/\n!dist/*.log"), id: "up" },
        { name: "id", run: "echo id=${{ steps.up.outputs.artifact-id }}" },
      ],
    });
    expect(first.completed.conclusion).toBe("success");
    expect(first.log).toMatch(/id=\d+/);
    const second = await h.runJob({
      runId,
      jobKey: "test",
      steps: [
        { id: "down", name: "download", uses: "actions/download-artifact@v4", with: { name: "dist", path: "got" } },
        {
          name: "show",
          run: "cat got/a.txt got/sub/b.txt; test ! -e got/skip.log && echo no-log; echo 'path=${{ steps.down.outputs.download-path }}'",
        },
      ],
    });
    expect(second.completed.conclusion).toBe("success");
    expect(second.log).toContain("one\ntwo\nno-log\n");
    expect(second.log).toMatch(/path=\/.*\/workspace\/got\n/);
  });

  it("downloads every artifact of the run into a folder each, or merged", async () => {
    const runId = randomId("run-");
    await h.runJob({
      runId,
      steps: [{ name: "make", run: "echo x > x.txt && echo y > y.txt" }, upload("ex", "x.txt"), upload("why", "y.txt")],
    });
    // Another run's artifact must not come along.
    await h.runJob({ steps: [{ name: "make", run: "echo z > z.txt" }, upload("zed", "z.txt")] });
    const { completed, log } = await h.runJob({
      runId,
      steps: [
        { name: "all", uses: "actions/download-artifact@v4", with: { path: "all" } },
        {
          name: "merged",
          uses: "actions/download-artifact@v4",
          with: { path: "merged", pattern: "{ex,why}", "merge-multiple": "true" },
        },
        { name: "show", run: "find all merged -type f | sort" },
      ],
    });
    expect(completed.conclusion).toBe("success");
    expect(log).toContain("all/ex/x.txt\nall/why/y.txt\nmerged/x.txt\nmerged/y.txt\n");
    expect(log).toContain("Total of 2 artifact(s) downloaded");
  });

  it("if-no-files-found: error fails the step, warn only warns", async () => {
    const { completed, results, log } = await h.runJob({
      steps: [
        upload("none", "nothing/**", { "if-no-files-found": "warn" }),
        upload("none", "nothing/**", { "if-no-files-found": "error" }),
      ],
    });
    expect(results.map(([, conclusion]) => conclusion)).toEqual(["success", "failure"]);
    expect(log).toContain(
      "##[warning]No files were found with the provided path: nothing/**. No artifacts will be uploaded.",
    );
    expect(completed.message).toContain("No files were found with the provided path: nothing/**");
  });

  it("v4 refuses a second upload of a name unless overwrite is true; a missing name fails the download", async () => {
    const { results, log } = await h.runJob({
      steps: [
        { name: "make", run: "echo v1 > f.txt" },
        upload("same", "f.txt"),
        { ...upload("same", "f.txt"), continueOnError: true },
        { name: "change", run: "echo v2 > f.txt" },
        upload("same", "f.txt", { overwrite: "true" }),
        { name: "down", uses: "actions/download-artifact@v4", with: { name: "same", path: "back" } },
        { name: "show", run: "cat back/f.txt" },
        { name: "missing", uses: "actions/download-artifact@v4", with: { name: "nope" } },
      ],
    });
    expect(results.map(([outcome]) => outcome)).toEqual([
      "success",
      "success",
      "failure",
      "success",
      "success",
      "success",
      "success",
      "failure",
    ]);
    expect(log).toContain("an artifact with this name already exists on the workflow run: same");
    expect(log).toContain("v2\n");
    expect(log).toContain("Artifact not found for name: nope");
  });

  it("leaves hidden files out unless include-hidden-files; refuses another run's artifacts by name", async () => {
    const runId = randomId("run-");
    await h.runJob({
      runId,
      steps: [
        {
          name: "make",
          run: "mkdir -p pkg/.git && echo a > pkg/a.txt && echo s > pkg/.secret && echo g > pkg/.git/HEAD",
        },
        upload("plain", "pkg"),
        upload("hidden", "pkg", { "include-hidden-files": "true" }),
      ],
    });
    const { log, results } = await h.runJob({
      runId,
      steps: [
        { name: "all", uses: "actions/download-artifact@v4", with: { path: "d" } },
        { name: "show", run: "find d -type f | sort" },
        { name: "other run", uses: "actions/download-artifact@v4", with: { name: "plain", "run-id": "123" } },
      ],
    });
    expect(log).toContain("d/hidden/.git/HEAD\nd/hidden/.secret\nd/hidden/a.txt\nd/plain/a.txt\n");
    expect(results.at(-1)).toEqual(["failure", "failure"]);
    expect(log).toContain("`with: run-id` (artifacts of another run) is not supported");
  });

  it("treats an artifact past its retention as gone", async () => {
    const runId = randomId("run-");
    await h.runJob({
      runId,
      steps: [{ name: "make", run: "echo old > old.txt" }, upload("old", "old.txt", { "retention-days": "1" })],
    });
    const store = await new Objm(h.bus.nc).open(h.bus.names.artifactsBucket);
    const objectName = (await store.list()).find((o) => o.name.startsWith(`${runId}/`))!.name;
    const info = JSON.parse((await store.info(objectName))!.description!) as { expiresAt: string };
    expect(Date.parse(info.expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect(objectName).toBe(artifactObjectName(runId, objectName.split("/")[1]!, "old"));
    await store.update(objectName, {
      description: JSON.stringify({ ...info, expiresAt: new Date(Date.now() - 1000).toISOString() }),
    });
    const { results, log } = await h.runJob({
      runId,
      steps: [{ name: "down", uses: "actions/download-artifact@v4", with: { name: "old" } }],
    });
    expect(results).toEqual([["failure", "failure"]]);
    expect(log).toContain("Artifact not found for name: old");
  });
});
