/**
 * `concurrency` end to end, as GitHub documents it: at most one run (or job) of a group is
 * running and one pending; a newer pending one replaces (cancels) the older pending one;
 * `cancel-in-progress` cancels the running one instead. Steps sleep for as long as a file in
 * the pushed commit says, so one push is slow and the next fast.
 */
import { join } from "node:path";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { jobs, runs } from "../../db/schema.ts";
import { commitFiles, createRepo } from "../helpers/git-repo.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-concurrency-");

const f = flotillaSuite({
  runners: [
    // Enough runners that only the concurrency rules keep jobs apart.
    { name: "one" },
    { name: "two" },
    { name: "three" },
  ],
});

async function repository(name: string, files: Record<string, string>) {
  const dir = join(scratch(), name);
  const { sha } = await createRepo(dir, files);
  const repo = await f.fake.addRepository({ owner: "acme", name, dir, private: true, installationId: INSTALLATION_ID });
  const push = (sha: string, before?: string) => f.push(repo, sha, before ? { before } : {});
  return { dir, sha, push };
}

/**
 * A repository holding `.flotilla/workflows/<job>.yml` whose steps sleep for the seconds in its
 * `delay` file: the first commit (`delay` seconds) pushed until `job` runs, then a second commit
 * (no delay) pushed on top of it.
 */
async function pushedWhileRunning(name: string, job: string, workflow: string, delay: number) {
  const {
    dir,
    sha: first,
    push,
  } = await repository(name, {
    delay: `${delay}\n`,
    [`.flotilla/workflows/${job}.yml`]: workflow,
  });
  await push(first);
  await f.fake.waitForCheckRun(job, (r) => r.run.head_sha === first && r.run.status === "in_progress", {
    timeoutMs: 30_000,
  });
  const second = await commitFiles(dir, { delay: "0\n" });
  await push(second, first);
  return { dir, first, second, push };
}

async function completed(sha: string, name: string): Promise<CheckRunRecord> {
  return f.fake.waitForCheckRun(name, (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 60_000,
  });
}

/** The job rows of the runs of these commits, once every run has its final status. */
async function jobRowsOf(shas: string[]) {
  await f.fake.waitFor(
    () => shas.every((sha) => f.fake.statuses.some((s) => s.sha === sha && s.status.state !== "pending")),
    { timeoutMs: 30_000 },
  );
  const rows = await f.bot.db.db
    .select({ job: jobs, run: runs })
    .from(jobs)
    .innerJoin(runs, eq(jobs.runId, runs.id))
    .where(inArray(runs.sha, shas));
  return (sha: string, key: string) => {
    const found = rows.find((r) => r.run.sha === sha && r.job.jobKey === key);
    if (!found) throw new Error(`no job ${key} for ${sha}`);
    return found.job;
  };
}

describe("workflow concurrency without cancel-in-progress", () => {
  it("runs one run of the group at a time, keeps one waiting and cancels the waiting one a newer push replaces", async () => {
    const workflow = `name: Deploy
on: push
concurrency: deploy-\${{ github.ref }}
jobs:
  deploy:
    runs-on: self-hosted
    steps:
      - run: sleep "$(cat delay)"
`;
    const { dir, first, second, push } = await pushedWhileRunning("queue", "deploy", workflow, 6);
    const waiting = await f.fake.waitForCheckRun("deploy", (r) => r.run.head_sha === second, { timeoutMs: 30_000 });
    expect(waiting.run.status).toBe("queued");
    expect((waiting.run.output as { title: string }).title).toBe(
      "Waiting for deploy-refs/heads/main: Deploy #1 is running",
    );

    const third = await commitFiles(dir, { delay: "0\n" }, "third");
    await push(third, second);

    const [one, two, three] = [
      await completed(first, "deploy"),
      await completed(second, "deploy"),
      await completed(third, "deploy"),
    ];
    expect(one.run.conclusion).toBe("success");
    expect(two.run.conclusion).toBe("cancelled");
    expect((two.run.output as { title: string }).title).toBe(
      "Canceling since a higher priority waiting request for 'deploy-refs/heads/main' exists",
    );
    expect(three.run.conclusion).toBe("success");
    // The waiting run said why when its check run was created: three writes in all.
    expect(three.history.map((h) => h.body.status)).toEqual(["queued", "in_progress", "completed"]);
    expect((three.history[0]!.body.output as { title: string }).title).toBe(
      "Waiting for deploy-refs/heads/main: Deploy #1 is running",
    );

    const job = await jobRowsOf([first, second, third]);
    expect(job(second, "deploy").startedAt).toBeNull();
    expect(job(third, "deploy").startedAt!.getTime()).toBeGreaterThanOrEqual(
      job(first, "deploy").completedAt!.getTime(),
    );
    const status = (sha: string) =>
      f.fake.statuses.find((s) => s.sha === sha && s.status.state !== "pending")!.status.state;
    expect([status(first), status(second), status(third)]).toEqual(["success", "failure", "success"]);
  });
});

describe("job concurrency", () => {
  it("keeps two jobs of one group from overlapping; legs of different groups run side by side", async () => {
    const workflow = `on: push
jobs:
  a:
    runs-on: self-hosted
    concurrency: shared-\${{ github.ref_name }}
    steps: [{ run: sleep 2 }]
  b:
    runs-on: self-hosted
    concurrency:
      group: shared-\${{ github.ref_name }}
    steps: [{ run: sleep 2 }]
  leg:
    runs-on: self-hosted
    concurrency: lane-\${{ matrix.n }}
    strategy:
      matrix:
        n: [1, 2]
    steps:
      - run: echo "lane \${{ matrix.n }}"
`;
    const { sha, push } = await repository("jobs", { ".flotilla/workflows/ci.yml": workflow });
    await push(sha);
    const [a, b, l1, l2] = [
      await completed(sha, "a"),
      await completed(sha, "b"),
      await completed(sha, "leg (1)"),
      await completed(sha, "leg (2)"),
    ];
    expect([a, b, l1, l2].map((r) => r.run.conclusion)).toEqual(["success", "success", "success", "success"]);
    const job = await jobRowsOf([sha]);
    const [ja, jb] = [job(sha, "a"), job(sha, "b")];
    expect([
      ja.concurrencyGroup,
      jb.concurrencyGroup,
      job(sha, "leg (1)").concurrencyGroup,
      job(sha, "leg (2)").concurrencyGroup,
    ]).toEqual(["shared-main", "shared-main", "lane-1", "lane-2"]);
    const [firstDone, second] = ja.startedAt! <= jb.startedAt! ? [ja, jb] : [jb, ja];
    expect(second.startedAt!.getTime()).toBeGreaterThanOrEqual(firstDone.completedAt!.getTime());
  });

  it("with cancel-in-progress, a newer run's job cancels the running job of its group", async () => {
    const workflow = `name: Ship
on: push
jobs:
  ship:
    runs-on: self-hosted
    concurrency:
      group: ship-\${{ github.ref }}
      cancel-in-progress: true
    steps:
      - run: sleep "$(cat delay)"
  unrelated:
    runs-on: self-hosted
    steps:
      - run: sleep "$(cat delay)"
`;
    const { first, second } = await pushedWhileRunning("job-cancel", "ship", workflow, 4);
    const [older, newer] = [await completed(first, "ship"), await completed(second, "ship")];
    expect(older.run.conclusion).toBe("cancelled");
    expect((older.run.output as { title: string }).title).toBe(
      "Canceling since a higher priority waiting request for 'ship-refs/heads/main' exists",
    );
    expect(newer.run.conclusion).toBe("success");
    // A job without a group is not touched.
    expect((await completed(first, "unrelated")).run.conclusion).toBe("success");
  });
});
