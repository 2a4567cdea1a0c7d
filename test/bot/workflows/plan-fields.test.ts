/**
 * Job fields given as expressions at plan time, through GitHub's parser and the shared
 * evaluator: what is decided per job and per leg, what waits for `needs`, and what refuses its job.
 */
import { describe, expect, it } from "vitest";
import { expandJobs } from "../../../bot/workflows/expand-jobs.ts";
import type { PlanContexts } from "../../../bot/workflows/expand-level.ts";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";

const CONTEXTS: PlanContexts = {
  github: { ref: "refs/heads/main", event_name: "push" },
  vars: { PARALLEL: "2" },
  inputs: {},
};

async function expand(jobs: string, contexts: PlanContexts = CONTEXTS) {
  const result = await parseWorkflow("ci.yml", `on: push\njobs:\n${jobs}`, { perJob: true });
  if (!result.ok) throw new Error(JSON.stringify(result.reason));
  return expandJobs(result.value, contexts, { perJob: true });
}

const LEGS = `  test:
    runs-on: [self-hosted, "\${{ matrix.os }}"]
    timeout-minutes: \${{ matrix.minutes }}
    continue-on-error: \${{ matrix.experimental }}
    environment: \${{ matrix.os }}-env
    strategy:
      fail-fast: \${{ github.ref != 'refs/heads/main' }}
      max-parallel: \${{ fromJSON(vars.PARALLEL) }}
      matrix:
        include:
          - { os: linux, minutes: 5, experimental: false }
          - { os: mac, minutes: 0.5, experimental: true }
    steps: [{ run: x }]
`;

describe("job fields as expressions, at plan time", () => {
  it("decides the strategy once and runs-on, timeout, continue-on-error and environment per leg", async () => {
    const { jobs, problems } = await expand(LEGS);
    expect(problems).toEqual([]);
    expect(
      jobs.map((j) => [j.runsOn, j.job.timeoutMinutes, j.job.continueOnError, j.environment?.name, j.deferred]),
    ).toEqual([
      [["self-hosted", "linux"], 5, false, "linux-env", undefined],
      [["self-hosted", "mac"], 0.5, true, "mac-env", undefined],
    ]);
    expect(jobs[1]!.strategy).toMatchObject({ "fail-fast": false, "max-parallel": 2 });
    // What the job row's max-parallel is read from.
    expect(jobs[1]!.job.strategy?.maxParallel).toBe(2);
  });

  it("keeps the fields that read needs as written, for when the job is released", async () => {
    const { jobs, problems } = await expand(`  pick:
    runs-on: x
    steps: [{ run: x }]
  deploy:
    needs: pick
    runs-on: \${{ needs.pick.outputs.where }}
    timeout-minutes: \${{ fromJSON(needs.pick.outputs.minutes) }}
    continue-on-error: \${{ needs.pick.outputs.risky == 'yes' }}
    concurrency: deploy-\${{ needs.pick.outputs.stage }}
    environment:
      name: \${{ needs.pick.outputs.stage }}
      url: https://\${{ steps.site.outputs.host }}
    steps: [{ run: x }]
`);
    expect(problems).toEqual([]);
    const deploy = jobs[1]!;
    expect(deploy.runsOn).toEqual([]);
    expect(deploy.job.timeoutMinutes).toBe(360);
    expect(deploy.deferred).toEqual({
      runsOn: ["${{ needs.pick.outputs.where }}"],
      timeoutMinutes: "fromJSON(needs.pick.outputs.minutes)",
      continueOnError: "needs.pick.outputs.risky == 'yes'",
      concurrency: { group: "deploy-${{ needs.pick.outputs.stage }}", cancelInProgress: false },
      environmentName: "${{ needs.pick.outputs.stage }}",
    });
    // The url is the runner's to evaluate, when the job ends.
    expect(deploy.environment?.url).toBe("https://${{ steps.site.outputs.host }}");
  });

  it("refuses only the job whose fields cannot be decided, saying which field and why", async () => {
    const { jobs, problems } = await expand(`  bad-timeout:
    runs-on: x
    timeout-minutes: \${{ github.ref }}
    steps: [{ run: x }]
  bad-flag:
    runs-on: x
    continue-on-error: \${{ 3 }}
    steps: [{ run: x }]
  parallel-from-needs:
    needs: bad-flag
    runs-on: x
    strategy:
      max-parallel: \${{ fromJSON(needs.bad-flag.outputs.n) }}
      matrix: { a: [1, 2] }
    steps: [{ run: x }]
  fine:
    runs-on: x
    steps: [{ run: x }]
`);
    expect(problems).toEqual([]);
    expect(jobs.map((j) => [j.key, j.refusal])).toEqual([
      [
        "bad-timeout",
        'timeout-minutes "${{ github.ref }}" cannot be evaluated: expected a positive number, got "refs/heads/main"',
      ],
      ["bad-flag", 'continue-on-error "${{ 3 }}" cannot be evaluated: expected true or false, got 3'],
      [
        "parallel-from-needs",
        "`strategy.max-parallel: ${{ needs.… }}` is not supported by Flotilla: a job's matrix and strategy are decided when the run is planned, before any job has outputs",
      ],
      ["fine", undefined],
    ]);
  });

  it("keeps fields that read github as written when github is not known yet (flotilla validate)", async () => {
    const { jobs, problems } = await expand(
      "  a:\n    runs-on: x\n    timeout-minutes: ${{ github.event.minutes }}\n    strategy:\n      fail-fast: ${{ github.ref == 'x' }}\n      matrix: { n: [1] }\n    steps: [{ run: x }]\n",
      { github: {}, vars: {}, inputs: {} },
    );
    expect(problems).toEqual([]);
    expect(jobs[0]!.refusal).toBeUndefined();
    expect(jobs[0]).toMatchObject({
      strategy: { "fail-fast": true },
      job: { timeoutMinutes: 360 },
    });
  });

  it("refuses the file instead without perJob (flotilla run)", async () => {
    const result = await parseWorkflow(
      "ci.yml",
      "on: push\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: ${{ github.ref }}\n    steps: [{ run: x }]\n",
    );
    if (!result.ok) throw new Error(JSON.stringify(result.reason));
    const { jobs, problems } = expandJobs(result.value, CONTEXTS);
    expect(jobs).toEqual([]);
    expect(problems).toEqual([
      {
        line: 3,
        column: 3,
        message:
          'job "a": timeout-minutes "${{ github.ref }}" cannot be evaluated: expected a positive number, got "refs/heads/main"',
      },
    ]);
  });
});
