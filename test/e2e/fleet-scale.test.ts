/**
 * A fleet at some scale: two namespaces, three runners each with different labels, and a push
 * of 201 jobs per namespace over four labelsets plus one no runner has. Every servable job
 * runs exactly once per namespace, always on a runner of that namespace whose labels include
 * all of the job's; the unservable one stays queued.
 */
import { expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { jobs, runners } from "../../db/schema.ts";
import { canServe } from "../../protocol/labels.ts";
import { until } from "../helpers/until.ts";

const f = flotillaSuite();

/** Extra labels per runner (each also has self-hosted, its OS and architecture). */
const FLEET: Record<string, Record<string, string[]>> = {
  default: { "a-plain": [], "a-gpu": ["gpu"], "a-both": ["gpu", "big"] },
  lab: { "b-big": ["big"], "b-gpu": ["gpu"], "b-both": ["big", "gpu"] },
};
const KINDS: Record<string, string[]> = { plain: [], gpu: ["gpu"], big: ["big"], both: ["gpu", "big"] };
const LEGS = 50;

it("runs 200 jobs of mixed labels exactly once per namespace, each on a runner with all its labels", async () => {
  for (const [namespace, fleet] of Object.entries(FLEET)) {
    for (const [name, labels] of Object.entries(fleet))
      await f.startRunner({ name, namespace, labels, config: { concurrency: 4, heartbeatMs: 500 } });
  }
  // The bot knows the fleet (heartbeats) before it plans, so a queued job can say why it waits;
  // the heartbeats of lab's runners are what make the namespace lab.
  await until(async () => (await f.bot.db.db.select().from(runners)).length === 6, 20_000, "six runners to say hello");

  const legs = Array.from({ length: LEGS }, (_, i) => i + 1).join(", ");
  const workflow = [
    "on: push",
    "jobs:",
    ...Object.entries(KINDS).flatMap(([kind, labels]) => [
      `  ${kind}:`,
      `    runs-on: [${["self-hosted", ...labels].join(", ")}]`,
      `    strategy: { matrix: { n: [${legs}] } }`,
      "    steps: [{ run: 'true' }]",
    ]),
    "  nobody:",
    "    runs-on: [self-hosted, quantum]",
    "    steps: [{ run: 'true' }]",
    "",
  ].join("\n");
  const { sha } = await f.pushRepository("scale", "fleet", { ".flotilla/workflows/ci.yml": workflow });

  const servable = Object.keys(KINDS).length * LEGS;
  const checkRuns = () => f.fake.checkRuns.filter((r) => r.run.head_sha === sha);
  // About a minute on a quiet machine (every job checks out the repository); several when it is
  // busy (CI beside other work: 123 of 400 in 150 s at load 17), so the wait is generous.
  await f.fake.waitFor(() => checkRuns().filter((r) => r.run.status === "completed").length === servable * 2, {
    timeoutMs: 330_000,
  });
  const rows = await until(
    async () => {
      const all = await f.bot.db.db.select().from(jobs);
      return all.filter((r) => r.status === "completed").length === servable * 2 && all;
    },
    10_000,
    "every servable job row to complete",
  );

  // Exactly once per namespace: one check run per job and namespace, completed once, succeeded.
  const runs = checkRuns();
  expect(runs).toHaveLength((servable + 1) * 2);
  expect(new Set(runs.map((r) => r.run.name)).size).toBe(runs.length);
  const done = runs.filter((r) => r.run.status === "completed");
  expect(done.every((r) => r.run.conclusion === "success")).toBe(true);
  expect(done.map((r) => r.history.filter((h) => h.body.status === "completed").length)).toEqual(
    Array(done.length).fill(1),
  );

  // Each ran in its own namespace, on a runner with every label it asked for.
  const fleet = await f.bot.db.db.select().from(runners);
  const labelsOf = new Map(fleet.map((r) => [r.name, r]));
  for (const row of rows.filter((r) => r.status === "completed")) {
    const runner = labelsOf.get(row.runnerName ?? "");
    expect(runner, `${row.jobKey} [${row.namespace}] ran on ${row.runnerName}`).toBeDefined();
    expect(runner!.namespace).toBe(row.namespace);
    expect(
      canServe(runner!.labels, row.labels),
      `${row.runnerName} (${runner!.labels.join(",")}) ran ${row.jobKey} (${row.labels.join(",")})`,
    ).toBe(true);
    // Attempts may be above 1: a runner serving several labelsets gives back a job that arrives
    // while its slots are full (a delivery, not a lost attempt).
    expect(row).toMatchObject({ conclusion: "success", lostAttempts: 0 });
  }
  // Every runner whose labels some job wanted did work: routing spreads, not funnels.
  const used = new Set(rows.map((r) => r.runnerName));
  for (const name of Object.values(FLEET).flatMap((runnersOf) => Object.keys(runnersOf))) expect(used).toContain(name);

  // The job no runner can take waits, in both namespaces, and its check run says why.
  const waiting = runs.filter((r) => r.run.status !== "completed");
  expect(waiting.map((r) => r.run.name).sort()).toEqual(["nobody", "nobody [lab]"]);
  expect(rows.filter((r) => r.jobKey === "nobody").map((r) => r.status)).toEqual(["queued", "queued"]);
  const titles = Object.fromEntries(
    waiting.map((r) => [r.run.name, (r.run.output as { title?: string } | undefined)?.title]),
  );
  expect(titles).toEqual({
    nobody: "No runner in namespace default has the labels quantum, self-hosted",
    "nobody [lab]": "No runner in namespace lab has the labels quantum, self-hosted",
  });
}, 400_000);
