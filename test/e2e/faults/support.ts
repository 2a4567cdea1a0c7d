/**
 * What the fault suites share: a workflow whose jobs count their runs (each step appends a
 * line to a file the suite reads), pushing it, and what every suite checks once the dust
 * settles — each job ran exactly once, each has one check run and it completed with success,
 * every commit status is final, and the bot still answers. What is specific to one kind of
 * fault stays beside it: support-github.ts (check runs against Postgres rows, refused records),
 * support-postgres.ts (terminated backends).
 */
import { readFile } from "node:fs/promises";
import { expect } from "vitest";
import type { Flotilla } from "../../helpers/flotilla.ts";

/**
 * A workflow of `jobs` × `legs` matrix legs, each appending `<job>-<leg>` to `ranFile` (or
 * `key`, an expression such as `${{ github.sha }}`).
 */
export function countedWorkflow(
  ranFile: string,
  opts: { jobs: string[]; legs: number; labels?: string[]; needs?: Record<string, string>; key?: string },
): string {
  const legs = Array.from({ length: opts.legs }, (_, i) => i + 1).join(", ");
  const runsOn = JSON.stringify(["self-hosted", ...(opts.labels ?? [])]);
  const jobs = opts.jobs.map(
    (job) => `  ${job}:
    runs-on: ${runsOn}
${opts.needs?.[job] ? `    needs: ${opts.needs[job]}\n` : ""}    strategy:
      fail-fast: false
      matrix:
        n: [${legs}]
    steps:
      - run: echo "${opts.key ?? `${job}-\${{ matrix.n }}`}" >> "${ranFile}"
`,
  );
  return `name: Counted\non: push\njobs:\n${jobs.join("")}`;
}

export function expectedKeys(jobs: string[], legs: number): string[] {
  return jobs.flatMap((job) => Array.from({ length: legs }, (_, i) => `${job}-${i + 1}`));
}

/** A repository `faults/<name>` holding `workflow` as its only workflow, pushed; returns the commit. */
export async function pushWorkflow(f: Flotilla, name: string, workflow: string): Promise<string> {
  const { sha } = await f.pushRepository("faults", name, { ".flotilla/workflows/ci.yml": workflow });
  return sha;
}

/** How often each line occurs in `ranFile` (steps append one line per run of a job). */
export async function runCounts(ranFile: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const line of (await readFile(ranFile, "utf8").catch(() => "")).split("\n").filter(Boolean))
    counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

/** The newest state of each commit status on `shas`, keyed `<sha> <context>`: what GitHub shows. */
export function latestStatuses(f: Flotilla, shas: string[]): Map<string, string> {
  const latest = new Map<string, string>();
  for (const s of f.fake.statuses.filter((s) => shas.includes(s.sha)))
    latest.set(`${s.sha} ${s.status.context}`, s.status.state);
  return latest;
}

/**
 * Every check run on `shas` completed (and there are at least `count`), and every commit status
 * is final. Synchronous, for `f.fake.waitFor(() => allCompleted(…))`.
 */
export function allCompleted(f: Flotilla, shas: string[], count: number): boolean {
  const runs = f.fake.checkRuns.filter((r) => shas.includes(r.run.head_sha));
  if (runs.length < count || !runs.every((r) => r.run.status === "completed")) return false;
  const latest = latestStatuses(f, shas);
  return latest.size > 0 && [...latest.values()].every((state) => state !== "pending");
}

export async function expectBotAlive(f: Flotilla): Promise<void> {
  const health = await fetch(`${f.publicUrl}/healthz`);
  expect(health.status).toBe(200);
}

/** The promise of the suites: once, one check run each, success, statuses final, bot up. */
export async function expectEachJobOnce(f: Flotilla, shas: string[], ranFile: string, keys: string[]): Promise<void> {
  const counts = await runCounts(ranFile);
  const twice = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  const never = keys.filter((k) => !counts.has(k));
  expect({ twice, never }).toEqual({ twice: [], never: [] });
  const runs = f.fake.checkRuns.filter((r) => shas.includes(r.run.head_sha));
  // One check run per job: external ids (the job rows) are never repeated.
  const externalIds = runs.map((r) => String(r.run.external_id));
  expect(new Set(externalIds).size).toBe(externalIds.length);
  expect(runs).toHaveLength(keys.length);
  // With the check run's own words, so a failure says why (e.g. "Runner lost").
  const output = (r: (typeof runs)[number]) => (r.run.output as { title?: string; summary?: string } | undefined) ?? {};
  expect(
    runs
      .filter((r) => r.run.conclusion !== "success")
      .map((r) => `${r.run.name}: ${r.run.conclusion} — ${output(r).title} — ${output(r).summary?.slice(0, 300)}`),
  ).toEqual([]);
  // The newest status of each context must be final.
  const latest = latestStatuses(f, shas);
  expect(latest.size).toBeGreaterThan(0);
  expect([...latest].filter(([, state]) => state !== "success")).toEqual([]);
  await expectBotAlive(f);
}
