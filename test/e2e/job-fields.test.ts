/**
 * Job and step fields given as expressions, end to end through the bot and real runners, each
 * decided when GitHub decides it: `runs-on`, `timeout-minutes`, `continue-on-error` and
 * `defaults.run` per matrix leg; a step's `timeout-minutes`/`continue-on-error` from `steps`
 * outputs on the runner; `runs-on`, `timeout-minutes` and `environment` from `needs` outputs
 * when the job is released. And per-job refusal: a job that uses what Flotilla cannot run fails
 * by itself, naming the feature, while the workflow's other jobs run.
 */
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { jobs } from "../../db/schema.ts";
import { describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-job-fields-");

const f = flotillaSuite({
  runners: [
    { name: "cpu-box", labels: ["self-hosted", "cpu"] },
    { name: "gpu-box", labels: ["self-hosted", "gpu"] },
  ],
});

async function pushed(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(scratch(), name);
  const { sha } = await createRepo(dir, files);
  const repo = await f.fake.addRepository({ owner: "acme", name, dir, private: true, installationId: INSTALLATION_ID });
  await f.push(repo, sha);
  return sha;
}

async function completed(name: string, sha: string): Promise<CheckRunRecord> {
  return f.fake.waitForCheckRun(name, (r) => r.run.head_sha === sha && r.run.status === "completed", {
    timeoutMs: 60_000,
  });
}

function output(record: CheckRunRecord): { title: string; summary: string; text: string } {
  return record.run.output as { title: string; summary: string; text: string };
}

const FIELDS = `name: Fields
on: push
jobs:
  test:
    name: test \${{ matrix.os }}
    runs-on: [self-hosted, "\${{ matrix.os }}"]
    timeout-minutes: \${{ matrix.minutes }}
    continue-on-error: \${{ matrix.experimental }}
    strategy:
      fail-fast: \${{ github.ref != 'refs/heads/main' }}
      matrix:
        include:
          - { os: cpu, minutes: 1, experimental: false, shell: bash, dir: sub }
          - { os: gpu, minutes: 0.05, experimental: true, shell: sh, dir: sub/deeper }
    defaults:
      run:
        shell: \${{ matrix.shell }}
        working-directory: \${{ matrix.dir }}
    steps:
      - run: if [ -n "\${BASH_VERSION:-}" ]; then s=bash; else s=sh; fi; echo "shell=$s dir=$(basename "$PWD")"
      - id: probe
        run: echo "limit=0.05" >> "$GITHUB_OUTPUT"
      - name: Slow step
        timeout-minutes: \${{ fromJSON(steps.probe.outputs.limit) }}
        continue-on-error: \${{ steps.probe.outputs.limit != '' }}
        run: sleep 30
      - run: echo after-the-slow-step
      - if: matrix.os == 'gpu'
        run: sleep 30
  pick:
    runs-on: [self-hosted, cpu]
    outputs:
      where: gpu
      minutes: "2"
      stage: staging
      risky: "yes"
    steps: [{ run: "true" }]
  risky:
    needs: pick
    runs-on: [self-hosted, cpu]
    continue-on-error: \${{ needs.pick.outputs.risky == 'yes' }}
    concurrency: risky-\${{ needs.pick.outputs.stage }}
    steps: [{ run: exit 4 }]
  deploy:
    needs: [pick, test, risky]
    runs-on: [self-hosted, "\${{ needs.pick.outputs.where }}"]
    timeout-minutes: \${{ fromJSON(needs.pick.outputs.minutes) }}
    environment:
      name: \${{ needs.pick.outputs.stage }}
      url: https://\${{ steps.site.outputs.host }}/app
    steps:
      - id: site
        run: echo "host=staging.example.com" >> "$GITHUB_OUTPUT"
`;

describe("fields given as expressions", () => {
  it("decides each per leg, per step, or once the job's needs are done, as GitHub does", async () => {
    const sha = await pushed("fields", {
      "sub/README": "x\n",
      "sub/deeper/README": "x\n",
      ".flotilla/workflows/fields.yml": FIELDS,
    });
    const cpu = await completed("test cpu", sha);
    const gpu = await completed("test gpu", sha);

    // runs-on from the matrix: each leg on the runner with its label.
    expect(output(cpu).summary).toContain("Ran on `cpu-box`");
    expect(output(gpu).summary).toContain("Ran on `gpu-box`");
    // defaults.run from the matrix.
    expect(output(cpu).text).toContain("shell=bash dir=sub");
    expect(output(gpu).text).toContain("shell=sh dir=deeper");
    // The step's timeout and continue-on-error from an earlier step's output: it timed out, the job went on.
    expect(output(cpu).summary).toMatch(/Slow step \| success \|/);
    expect(output(cpu).text).toContain("after-the-slow-step");
    expect(cpu.run.conclusion).toBe("success");
    // timeout-minutes from the matrix (3 s): the gpu leg's last step outlives it; the leg is
    // allowed to fail (continue-on-error from the matrix), so what needs it still runs.
    expect(gpu.run.conclusion).toBe("timed_out");
    expect(output(gpu).text).toContain("the job timed out after 0.05 minutes");

    // continue-on-error and concurrency from `needs` outputs: the failure is forgiven.
    const risky = await completed("risky", sha);
    expect(risky.run.conclusion).toBe("failure");
    const [riskyRow] = await f.bot.db.db
      .select()
      .from(jobs)
      .where(eq(jobs.checkRunId, risky.run.id as number));
    expect(riskyRow).toMatchObject({ continueOnError: true, concurrencyGroup: "risky-staging" });

    // runs-on, timeout-minutes and the environment's name from `needs` outputs; its url from a step's.
    const deploy = await completed("deploy", sha);
    // While it waited, its check run said why it had no labels yet.
    expect(deploy.history[0]!.body.output).toMatchObject({ title: "Waiting for its needs" });
    expect(deploy.run.conclusion).toBe("success");
    expect(output(deploy).summary).toContain("Ran on `gpu-box`");
    expect(output(deploy).summary).toContain("Environment: **staging** — https://staging.example.com/app");
    // The runner was sent the timeout as decided, and nothing of the bot's own bookkeeping.
    const [row] = await f.bot.db.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.jobKey, "deploy"), eq(jobs.checkRunId, deploy.run.id as number)));
    expect(row?.spec).toMatchObject({
      timeoutMinutes: 2,
      labels: ["self-hosted", "gpu"],
      environment: { name: "staging" },
    });
    expect(row?.spec?.deferred).toBeUndefined();
    const status = await f.finalStatus(sha);
    expect(status.status).toMatchObject({ state: "success", context: "flotilla/Fields" });
  });
});

const MIXED = `name: Mixed
on: push
jobs:
  boxed:
    runs-on: [self-hosted, linux]
    container: node:20
    steps: [{ run: echo in-a-box }]
  lint:
    runs-on: [self-hosted, linux]
    steps: [{ run: echo lint-ok }]
  unit:
    runs-on: [self-hosted, gpu]
    steps: [{ run: echo unit-ok }]
  late-minutes:
    needs: lint
    runs-on: [self-hosted, cpu]
    timeout-minutes: \${{ needs.lint.outputs.missing }}
    steps: [{ run: echo never-printed }]
  after-boxed:
    needs: boxed
    runs-on: [self-hosted, linux]
    steps: [{ run: echo never-printed }]
`;

describe("a job Flotilla cannot run", () => {
  it("fails by itself naming the feature; the other jobs run, what needs it is skipped, the status fails", async () => {
    const sha = await pushed("mixed", { "README.md": "x\n", ".flotilla/workflows/ci.yml": MIXED });
    const boxed = await completed("boxed", sha);
    expect(boxed.run.conclusion).toBe("failure");
    expect(output(boxed).title).toBe(
      "`container` is not supported by Flotilla: it needs a container engine; Flotilla runs a job's steps as processes on the runner",
    );
    const [lint, unit, after] = [
      await completed("lint", sha),
      await completed("unit", sha),
      await completed("after-boxed", sha),
    ];
    expect([lint.run.conclusion, unit.run.conclusion, after.run.conclusion]).toEqual(["success", "success", "skipped"]);
    expect(output(lint).text).toContain("lint-ok");
    // A field that reads needs and cannot be evaluated once they are done fails its job, saying why.
    const late = await completed("late-minutes", sha);
    expect(late.run.conclusion).toBe("failure");
    expect(output(late)).toMatchObject({
      title: "A field of the job could not be evaluated",
      summary:
        'timeout-minutes "${{ needs.lint.outputs.missing }}" cannot be evaluated: expected a positive number, got null',
    });
    const status = await f.finalStatus(sha);
    expect(status.status).toMatchObject({ state: "failure", context: "flotilla/Mixed" });
    // No runner was ever sent the refused job.
    expect(f.fake.checkRuns.find((r) => r.run.name === "boxed")?.history.map((h) => h.body.status)).toEqual([
      "queued",
      "completed",
    ]);
  });
});
