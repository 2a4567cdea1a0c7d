/**
 * The limits a shared fleet puts on jobs, as a user sees them in the check run: the bot's
 * `JOB_QUEUE_TIMEOUT` fails a job no runner took, naming the labels no runner had; a runner's
 * `--max-job-minutes` caps a workflow's `timeout-minutes`, and says so.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-job-limits-");

const f = flotillaSuite({
  env: { JOB_QUEUE_TIMEOUT: "5s" },
  runners: [{ name: "capped", labels: ["self-hosted"], config: { maxJobMinutes: 0.05 } }],
});

const LIMITS = `on: push
jobs:
  fpga:
    runs-on: [self-hosted, fpga]
    steps: [{ run: echo never }]
  slow:
    runs-on: self-hosted
    timeout-minutes: 60
    steps: [{ run: echo begun; sleep 60 }]
`;

function output(record: CheckRunRecord): { title: string; summary: string; text: string } {
  return record.run.output as { title: string; summary: string; text: string };
}

it("fails a job nobody took within JOB_QUEUE_TIMEOUT, and caps timeout-minutes at the runner's maximum", async () => {
  const dir = join(scratch(), "limits");
  const { sha } = await createRepo(dir, { ".flotilla/workflows/limits.yml": LIMITS });
  const repo = await f.fake.addRepository({ owner: "acme", name: "limits", dir, installationId: INSTALLATION_ID });
  const pushedAt = Date.now();
  await f.push(repo, sha);
  const [fpga, slow] = await f.finished(sha, ["fpga", "slow"]);

  expect(fpga.run.conclusion).toBe("failure");
  expect(output(fpga).title).toBe("Queue timeout: no runner took the job within 5 seconds");
  expect(output(fpga).summary).toContain("No runner in namespace `default` had the labels `fpga`");
  expect(output(fpga).summary).toContain("`JOB_QUEUE_TIMEOUT`");
  expect(Date.now() - pushedAt).toBeGreaterThanOrEqual(5_000);

  expect(slow.run.conclusion).toBe("timed_out");
  expect(output(slow).text).toContain("begun");
  expect(output(slow).text).toContain(
    "the job timed out after 0.05 minutes: this runner's maximum job time (--max-job-minutes 0.05) caps the workflow's timeout-minutes of 60",
  );
  const status = await f.finalStatus(sha);
  expect(status.status).toMatchObject({ state: "failure" });
}, 120_000);
