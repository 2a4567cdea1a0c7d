/**
 * Actions end to end: the bot plans a workflow whose steps use actions, the runner fetches
 * them over git from the fake GitHub (public action repositories, and the job's own private
 * repository with its token) and runs them — JavaScript, composite, local, pre/post — and the
 * check runs show what a GitHub user would see.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { createRepo, git, type FileTree } from "../helpers/git-repo.ts";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { scratchDir } from "../helpers/scratch.ts";
import { composites, DOCKER, HELLO, LIFECYCLE, LOCAL } from "../runner/actions/action-fixtures.ts";

const scratch = scratchDir("flotilla-actions-");

async function actionRepo(name: string, files: FileTree): Promise<void> {
  const dir = join(scratch(), "actions", name);
  await createRepo(dir, files);
  await git(dir, ["tag", "v1"]);
  await f.fake.addRepository({ owner: "tools", name, dir, private: false });
}

const f = flotillaSuite({
  runners: [
    // One runner: its action cache is what the "no second fetch" case is about.
    { name: "solo" },
  ],
});

beforeAll(async () => {
  for (const [name, files] of Object.entries({
    hello: HELLO,
    lifecycle: LIFECYCLE,
    composites: composites("tools"),
    dockerish: DOCKER,
  }))
    await actionRepo(name, files);
});

async function pushWorkflow(name: string, workflow: string, extra: FileTree = {}): Promise<string> {
  const { sha } = await f.pushRepository("acme", name, {
    "README.md": "x\n",
    ".flotilla/workflows/ci.yml": workflow,
    ...LOCAL,
    ...extra,
  });
  return sha;
}

const text = (run: CheckRunRecord): string => (run.run.output as { text?: string }).text ?? "";
const summary = (run: CheckRunRecord): string => (run.run.output as { summary?: string }).summary ?? "";
const fetchesOf = (repo: string): number => f.fake.clones.filter((c) => c.repo === repo && c.status === 200).length;

describe("actions from the forge", () => {
  it("runs JavaScript, composite, local and own-repository actions; post after a failure; fetches each repository once", async () => {
    const sha = await pushWorkflow(
      "app",
      `name: CI
on: push
jobs:
  build:
    runs-on: self-hosted
    steps:
      - uses: actions/checkout@v4
      - id: hi
        uses: tools/hello@v1
        with: { who: world }
      - run: echo "said \${{ steps.hi.outputs.greeting }}"
      - id: c
        uses: tools/composites/outer@v1
        with: { word: hey }
      - run: echo "outer gave \${{ steps.c.outputs.greeting }} / \${{ steps.c.outputs.shout }}"
      - id: l
        uses: ./.github/actions/local
        with: { name: kit }
      - id: own
        uses: acme/app/.github/actions/local@main
        with: { name: own }
      - run: echo "\${{ steps.l.outputs.said }} + \${{ steps.own.outputs.said }}"
  lifecycle:
    needs: build
    runs-on: self-hosted
    steps:
      - uses: tools/lifecycle@v1
      - uses: tools/lifecycle/on-success@v1
      - run: exit 1
  again:
    needs: lifecycle
    if: always()
    runs-on: self-hosted
    steps:
      - uses: tools/hello@v1
        with: { who: again }
`,
    );
    const [build, lifecycle, again] = await f.finished(sha, ["build", "lifecycle", "again"], 60_000);
    expect(build!.run.conclusion).toBe("success");
    expect(text(build!)).toContain("said hello world");
    expect(text(build!)).toContain("outer gave hello hey! / hey!");
    expect(text(build!)).toContain("local kit + local own");
    expect(summary(build!)).toMatch(/Run actions\/checkout@v4/);
    expect(build!.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ annotation_level: "notice", message: "greeted world" })]),
    );

    expect(lifecycle!.run.conclusion).toBe("failure");
    expect(text(lifecycle!)).toContain("post: STATE_phase=from-pre STATE_main=done");
    expect(text(lifecycle!)).not.toContain("on-success post ran");
    expect(again!.run.conclusion).toBe("success");
    expect(text(again!)).toMatch(/Using cached action repository 'tools\/hello@v1'/);

    // hello: used twice in build (once inside the composite) and once in `again`. Each git
    // request starts with one info/refs: build's ls-remote and fetch, then `again`'s ls-remote
    // alone — the commit was in the runner's cache, so no second fetch.
    expect(fetchesOf("tools/hello")).toBe(2 + 1);
    // The job's own private repository: anonymous refused, then its token.
    expect(f.fake.clones.some((c) => c.repo === "acme/app" && c.token === null && c.status === 401)).toBe(true);
  });

  it("fails a job with a docker action, or a missing ref, before any step, with a named message", async () => {
    const sha = await pushWorkflow(
      "refusals",
      `name: CI
on: push
jobs:
  docker:
    runs-on: self-hosted
    steps:
      - run: echo should-not-run
      - uses: tools/dockerish@v1
  missing:
    runs-on: self-hosted
    steps:
      - run: echo should-not-run
      - uses: tools/hello@v0
`,
    );
    const [docker, missing] = await f.finished(sha, ["docker", "missing"], 60_000);
    expect(docker!.run.conclusion).toBe("failure");
    expect(JSON.stringify(docker!.run.output)).toContain(
      "is a docker action; it needs a container engine, which Flotilla does not use",
    );
    expect(text(docker!)).not.toContain("should-not-run");
    expect(missing!.run.conclusion).toBe("failure");
    expect(JSON.stringify(missing!.run.output)).toContain(
      "Unable to resolve action `tools/hello@v0`, unable to find version `v0`",
    );
    expect(text(missing!)).not.toContain("should-not-run");
  });
});
