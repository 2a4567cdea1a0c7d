/**
 * JavaScript and composite actions through a real runner, NATS, git and Node: action
 * repositories live on disk and the job's server URL is `file://` their root, so the runner
 * fetches them with the same git commands it uses against a forge.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRepo, git, type FileTree } from "../../helpers/git-repo.ts";
import { stepsSuite } from "../steps-support.ts";
import { composites, DOCKER, HELLO, LIFECYCLE, LOCAL } from "./action-fixtures.ts";

let forge: string;

async function actionRepo(name: string, files: FileTree): Promise<void> {
  const dir = join(forge, "acme", `${name}.git`);
  await createRepo(dir, files);
  await git(dir, ["tag", "v1"]);
}

beforeAll(async () => {
  forge = await mkdtemp(join(tmpdir(), "flotilla-action-repos-"));
  await Promise.all([
    actionRepo("hello", HELLO),
    actionRepo("lifecycle", LIFECYCLE),
    actionRepo("composites", composites("acme")),
    actionRepo("dockerish", DOCKER),
  ]);
});

afterAll(async () => {
  if (forge) await rm(forge, { recursive: true, force: true });
});

const h = stepsSuite({ "README.md": "hi\n", ...LOCAL });

const serverUrl = (): string => `file://${forge}`;

describe.concurrent("actions", () => {
  it("runs a JavaScript action with inputs, defaults, an output and a notice", async () => {
    const { completed, log, results } = await h.runJob({
      serverUrl: serverUrl(),
      steps: [
        { name: "Greet", id: "hi", uses: "acme/hello@v1", with: { who: "world" } },
        { name: "Use", run: 'echo "got: ${{ steps.hi.outputs.greeting }}"' },
      ],
    });
    expect(results).toEqual([
      ["success", "success"],
      ["success", "success"],
    ]);
    expect(log).toContain("got: hello world\n");
    expect(log).toContain("style=from octo/widgets token=[] main=true\n");
    expect(log).toContain("action repository=acme/hello ref=v1 path-has-action=true cwd-is-workspace=true\n");
    expect(completed.annotations).toEqual([expect.objectContaining({ level: "notice", message: "greeted world" })]);
  });

  it("warns about a missing required input and an unexpected one, and still runs", async () => {
    const { log, results } = await h.runJob({
      serverUrl: serverUrl(),
      steps: [{ name: "Greet", uses: "acme/hello@v1", with: { whom: "x" } }],
    });
    expect(results).toEqual([["success", "success"]]);
    expect(log).toContain("##[warning]Input required and not supplied: who\n");
    expect(log).toContain("##[warning]Unexpected input(s) 'whom', valid inputs are ['who', 'style', 'token']\n");
  });

  it("runs a composite that calls a composite and a JavaScript action, and maps their outputs", async () => {
    const { log, results } = await h.runJob({
      serverUrl: serverUrl(),
      steps: [
        { name: "Outer", id: "c", uses: "acme/composites/outer@v1", with: { word: "hey" } },
        { name: "Read", run: 'echo "outer gave ${{ steps.c.outputs.greeting }} / ${{ steps.c.outputs.shout }}"' },
      ],
    });
    expect(results).toEqual([
      ["success", "success"],
      ["success", "success"],
    ]);
    expect(log).toMatch(/outer at .*\/_actions\/acme\/composites\/[0-9a-f]{40}\/outer word=hey\n/);
    expect(log).toContain("inner sees steps.s=hey!\n");
    expect(log).toContain("tool from acme/composites@v1\n");
    expect(log).toContain("outer gave hello hey! / hey!\n");
    expect(log).not.toContain("outer failure branch ran");
    // The composite's lines sit under the step that called it.
    expect(log.indexOf("▶ Outer")).toBeLessThan(log.indexOf("▷ Say where"));
  });

  it("runs a local composite action from the workspace", async () => {
    const { log, results } = await h.runJob({
      steps: [
        { name: "Local", id: "l", uses: "./.github/actions/local", with: { name: "kit" } },
        { name: "Read", run: 'echo "${{ steps.l.outputs.said }}"' },
      ],
    });
    expect(results).toEqual([
      ["success", "success"],
      ["success", "success"],
    ]);
    expect(log).toContain("local says kit\n");
    expect(log).toContain("local kit\n");
  });

  it("runs pre at the job's start with GITHUB_STATE, post after a failing step, and skips post-if: success()", async () => {
    const { log, results, completed } = await h.runJob({
      serverUrl: serverUrl(),
      steps: [
        { name: "First", run: "echo first step ran" },
        { name: "Life", uses: "acme/lifecycle@v1" },
        { name: "Careful", uses: "acme/lifecycle/on-success@v1" },
        { name: "No pre", uses: "acme/lifecycle/skip-pre@v1" },
        { name: "Break", run: "exit 3" },
      ],
    });
    expect(completed.conclusion).toBe("failure");
    // Pre steps run first, numbered after the job's steps; posts after them.
    expect(completed.steps.map((s) => [s.index, s.name, s.conclusion])).toEqual([
      [5, "Pre Life", "success"],
      [6, "Pre No pre", "skipped"],
      [0, "First", "success"],
      [1, "Life", "success"],
      [2, "Careful", "success"],
      [3, "No pre", "success"],
      [4, "Break", "failure"],
      [7, "Post Careful", "skipped"],
      [8, "Post Life", "success"],
    ]);
    expect(results).toHaveLength(9);
    expect(log.indexOf("▶ Pre Life")).toBeGreaterThan(log.indexOf("▶ Prepare all required actions"));
    expect(log.indexOf("pre: STATE_phase= STATE_main=\n")).toBeGreaterThan(-1);
    expect(log.indexOf("pre: STATE_phase= STATE_main=\n")).toBeLessThan(log.indexOf("first step ran\n"));
    expect(log).toContain("main: STATE_phase=from-pre STATE_main=\n");
    expect(log).toContain("post: STATE_phase=from-pre STATE_main=done\n");
    expect(log).not.toContain("on-success post ran");
    expect(log).not.toContain("skip-pre pre ran");
    expect(log).toContain("skip-pre main ran\n");
  });

  it("evaluates pre-if and the step's inputs with the job's contexts at its start", async () => {
    const steps = [{ name: "Gated", uses: "acme/lifecycle/gated@v1", with: { word: "${{ env.WANT_PRE }}-word" } }];
    const [yes, no] = await Promise.all([
      h.runJob({ serverUrl: serverUrl(), env: { WANT_PRE: "yes" }, steps }),
      h.runJob({ serverUrl: serverUrl(), env: { WANT_PRE: "no" }, steps }),
    ]);
    expect(yes.completed.steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Pre Gated", "success"],
      ["Gated", "success"],
    ]);
    expect(yes.log).toContain("gated pre ran word=yes-word\n");
    expect(yes.log.indexOf("gated pre ran")).toBeLessThan(yes.log.indexOf("gated main ran"));
    expect(no.completed.steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Pre Gated", "skipped"],
      ["Gated", "success"],
    ]);
    expect(no.log).not.toContain("gated pre ran");
    expect(no.log).toContain("gated main ran\n");
  });

  it("does not run the pre of a local action, with GitHub's warning", async () => {
    const { completed, log } = await h.runJob({ steps: [{ name: "Local pre", uses: "./.github/actions/local-pre" }] });
    expect(completed.steps.map((s) => [s.name, s.conclusion])).toEqual([["Local pre", "success"]]);
    expect(log).toContain(
      "##[warning]`pre` execution is not supported for local action from './.github/actions/local-pre'\n",
    );
    expect(log).not.toContain("local pre ran");
    expect(log).toContain("local main ran\n");
  });

  it("runs post steps after a cancel with the cleanup signal, and not those with post-if: success()", async () => {
    const { completed, log } = await h.runJob(
      {
        serverUrl: serverUrl(),
        steps: [
          { name: "Life", uses: "acme/lifecycle@v1" },
          { name: "Careful", uses: "acme/lifecycle/on-success@v1" },
          { name: "Slow", uses: "acme/lifecycle/slow-post@v1" },
          { name: "Long", run: "echo waiting\nsleep 1000" },
        ],
      },
      {
        async whilst(id) {
          await h.bus.reports.waitFor(
            () => h.bus.reports.log(id).includes("waiting\n"),
            20_000,
            "the long step to start",
          );
          h.bus.nc.publish(h.bus.names.cancelSubject(id), "cancelled by /cancel from @octocat");
        },
      },
    );
    expect(completed.conclusion).toBe("cancelled");
    expect(completed.steps.map((s) => [s.index, s.name, s.conclusion])).toEqual([
      [4, "Pre Life", "success"],
      [0, "Life", "success"],
      [1, "Careful", "success"],
      [2, "Slow", "success"],
      [3, "Long", "cancelled"],
      [5, "Post Slow", "success"],
      [6, "Post Careful", "skipped"],
      [7, "Post Life", "success"],
    ]);
    // Not killed by the job's (aborted) signal: the post lives to finish.
    expect(log).toContain("slow post started\n");
    expect(log).toContain("slow post finished\n");
    expect(log).toContain("post: STATE_phase=from-pre STATE_main=done\n");
    expect(log).not.toContain("on-success post ran");
  });

  it("fails a job with a docker action before any step, naming it", async () => {
    const { completed, log } = await h.runJob({
      serverUrl: serverUrl(),
      steps: [
        { name: "First", run: "echo should-not-run" },
        { name: "Docker", uses: "acme/dockerish@v1" },
      ],
    });
    expect(completed.conclusion).toBe("failure");
    expect(completed.message).toBe(
      "`uses: acme/dockerish@v1` is a docker action; it needs a container engine, which Flotilla does not use",
    );
    expect(completed.steps.map((s) => s.conclusion)).toEqual(["skipped", "skipped"]);
    expect(log).not.toContain("should-not-run");
  });

  it("fails a job with docker:// before any step", async () => {
    const { completed } = await h.runJob({ steps: [{ name: "Image", uses: "docker://alpine:3" }] });
    expect(completed.message).toBe(
      "`uses: docker://alpine:3` is a docker action; it needs a container engine, which Flotilla does not use",
    );
  });

  it("fails clearly on a missing ref or repository, before any step", async () => {
    const [ref, repo] = await Promise.all([
      h.runJob({
        serverUrl: serverUrl(),
        steps: [
          { name: "First", run: "echo should-not-run" },
          { name: "Old", uses: "acme/hello@v9" },
        ],
      }),
      h.runJob({ serverUrl: serverUrl(), steps: [{ name: "Gone", uses: "acme/nothing@v1" }] }),
    ]);
    expect(ref.completed.message).toBe("Unable to resolve action `acme/hello@v9`, unable to find version `v9`");
    expect(ref.log).not.toContain("should-not-run");
    expect(repo.completed.message).toMatch(/^Unable to resolve action `acme\/nothing@v1`, repository not found/);
  });

  it("fails a local action that is not there with GitHub's hint", async () => {
    const { completed } = await h.runJob({ steps: [{ name: "Missing", uses: "./.github/actions/missing" }] });
    expect(completed.conclusion).toBe("failure");
    expect(completed.message).toContain("can't find 'action.yml' or 'action.yaml'");
    expect(completed.message).toContain("Did you forget to run actions/checkout");
  });
});

describe("the action cache", () => {
  it("fetches a repository once per job and not again for a later job at the same commit", async () => {
    const steps = [
      { name: "One", uses: "acme/lifecycle/skip-pre@v1" },
      { name: "Two", uses: "acme/lifecycle/skip-pre@v1" },
    ];
    const first = await h.runJob({ serverUrl: serverUrl(), steps });
    const second = await h.runJob({ serverUrl: serverUrl(), steps });
    // Two `Pre …` steps, skipped by their pre-if, before the two steps.
    const results = [
      ["skipped", "skipped"],
      ["skipped", "skipped"],
      ["success", "success"],
      ["success", "success"],
    ];
    expect(first.results).toEqual(results);
    const mentions = (log: string) => (log.match(/action repository 'acme\/lifecycle@v1'/g) ?? []).length;
    expect(mentions(first.log) + mentions(second.log)).toBe(2);
    expect(second.log).toMatch(/Using cached action repository 'acme\/lifecycle@v1' \(SHA:[0-9a-f]{40}\)/);
    expect(second.results).toEqual(results);
  });
});
