/**
 * `on: workflow_run`: a Flotilla run of a workflow the default branch's workflows follow starts
 * them when it is requested and when it completes — at the default branch's head, with the
 * triggering run in `github.event.workflow_run`, filtered by its branch — and a chain of
 * `workflow_run` runs stops at three levels, as on GitHub. Real bot, runner, NATS and Postgres.
 */
import { beforeAll, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { createBranch, git } from "../helpers/git-repo.ts";
import type { FakeRepository } from "../helpers/fake-github/types.ts";

const f = flotillaSuite({ runners: [{ name: "follower" }] });

const job = (id: string, run: string) => `jobs:\n  ${id}:\n    runs-on: self-hosted\n    steps:\n      - run: ${run}\n`;
const SHOW = `echo "event \${{ github.event_name }} action \${{ github.event.action }} of \${{ github.event.workflow_run.name }} on \${{ github.event.workflow_run.head_branch }} concluded \${{ github.event.workflow_run.conclusion }} ref \${{ github.ref }} sha \${{ github.sha }}"`;

const files = {
  ".flotilla/workflows/ci.yml": `name: CI\non: push\n${job("build", "echo built")}`,
  ".flotilla/workflows/follow.yml": `name: Follow
on:
  workflow_run:
    workflows: [CI]
    types: [completed]
    branches: [main]
${job("follow", SHOW)}`,
  ".flotilla/workflows/requested.yml": `name: Requested
on:
  workflow_run:
    workflows: [CI]
    types: [requested]
${job("on-request", SHOW)}`,
  // Level three of CI → Follow → Level 2: it runs, but its own run starts nothing more.
  ".flotilla/workflows/level2.yml": `name: Level 2
on:
  workflow_run:
    workflows: [Follow]
    types: [completed]
${job("level2", SHOW)}`,
  ".flotilla/workflows/level3.yml": `name: Level 3
on:
  workflow_run:
    workflows: [Level 2]
${job("level3", SHOW)}`,
};

let repo: FakeRepository;
let sha: string;
let dir: string;

beforeAll(async () => {
  ({ repo, sha, dir } = await f.repository("acme", "chain", files));
});

const completed = (name: string) =>
  f.fake
    .waitForCheckRun(name, (r) => r.run.status === "completed", { timeoutMs: 45_000 })
    .then((r) => ({
      sha: r.run.head_sha,
      conclusion: r.run.conclusion,
      text: (r.run.output as { text: string }).text,
    }));

it("starts the workflows that follow a run when it is requested and when it completes, three levels deep", async () => {
  await f.push(repo, sha);
  const build = await completed("build");
  expect(build.conclusion).toBe("success");
  const requested = await completed("on-request");
  expect(requested.text).toContain(
    `event workflow_run action requested of CI on main concluded  ref refs/heads/main sha ${sha}`,
  );
  const follow = await completed("follow");
  expect(follow.sha).toBe(sha);
  expect(follow.text).toContain(
    `event workflow_run action completed of CI on main concluded success ref refs/heads/main sha ${sha}`,
  );
  const level2 = await completed("level2");
  expect(level2.text).toContain("action completed of Follow on main concluded success");
  // Level 2's run is the third level: its completion starts nothing, and Level 3 never runs.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(f.checkRunNames(sha)).toEqual(["build", "follow", "level2", "on-request"]);
}, 90_000);

it("filters on the triggering run's branch, and runs at the default branch's head", async () => {
  await createBranch(dir, "feature");
  await git(dir, ["checkout", "-q", "feature"]);
  await git(dir, ["commit", "-q", "--allow-empty", "-m", "feature work"]);
  const feature = await git(dir, ["rev-parse", "HEAD"]);
  const before = f.fake.checkRuns.length;
  await f.push(repo, feature, { ref: "refs/heads/feature" });
  await f.fake.waitFor(
    () =>
      f.fake.checkRuns.some(
        (r) => r.run.head_sha === feature && r.run.name === "build" && r.run.status === "completed",
      ),
    { timeoutMs: 45_000 },
  );
  // `requested` has no branch filter: it runs, on main's head; `follow` wants main only.
  const request = await f.fake.waitFor(
    () => f.fake.checkRuns.slice(before).find((r) => r.run.name === "on-request" && r.run.status === "completed"),
    { timeoutMs: 30_000 },
  );
  expect(request.run.head_sha).toBe(sha);
  expect((request.run.output as { text: string }).text).toContain("of CI on feature");
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(
    f.fake.checkRuns
      .slice(before)
      .map((r) => r.run.name)
      .filter((n) => n === "follow"),
  ).toEqual([]);
}, 90_000);
