/**
 * `flotilla dispatch`: a person starts a workflow_dispatch workflow with inputs, through the
 * bot's API, and sees its check run — or GitHub's own refusal when the inputs are wrong.
 */
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { BIN } from "../helpers/flotilla-bin.ts";
import { createRepo } from "../helpers/git-repo.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import { scratchDir } from "../helpers/scratch.ts";

const scratch = scratchDir("flotilla-dispatch-");
let sha: string;

const f = flotillaSuite({
  runners: [{ name: "releaser" }],
});

beforeAll(async () => {
  const dir = join(scratch(), "repo");
  ({ sha } = await createRepo(dir, {
    ".flotilla/workflows/release.yml": `name: Release
on:
  workflow_dispatch:
    inputs:
      version: { required: true, type: string }
      channel: { type: choice, options: [stable, beta], default: stable }
      dry-run: { type: boolean, default: false }
jobs:
  release:
    runs-on: self-hosted
    steps:
      - run: echo "releasing \${{ inputs.version }} to \${{ inputs.channel }} (dry run \${{ inputs.dry-run }}) from \${{ github.ref }} by \${{ github.event_name }}"
`,
    ".flotilla/workflows/other.yml":
      "on: [workflow_dispatch, push]\njobs:\n  other:\n    runs-on: self-hosted\n    steps:\n      - run: echo other\n",
    ".flotilla/workflows/push-only.yml":
      "on: push\njobs:\n  p:\n    runs-on: self-hosted\n    steps:\n      - run: echo p\n",
  }));
  await f.fake.addRepository({ owner: "acme", name: "shipit", dir, private: true, installationId: INSTALLATION_ID });
});

function dispatch(args: string[], token = f.apiToken) {
  return execa("node", [BIN, "dispatch", ...args], {
    env: { FLOTILLA_URL: f.publicUrl, FLOTILLA_API_TOKEN: token, LOG_LEVEL: "silent" },
    reject: false,
    all: true,
  });
}

it("starts the named workflow at the ref with its inputs, defaults filled in", async () => {
  const result = await dispatch([
    "acme/shipit",
    "release.yml",
    "--ref",
    "main",
    "--input",
    "version=1.2.3",
    "--input",
    "dry-run=true",
  ]);
  expect(result.all).toContain(
    `dispatched .flotilla/workflows/release.yml on acme/shipit at refs/heads/main (${sha.slice(0, 12)})`,
  );
  expect(result.exitCode).toBe(0);
  const run = await f.fake.waitForCheckRun("release", (r) => r.run.status === "completed", { timeoutMs: 30_000 });
  expect(run.run.conclusion).toBe("success");
  expect(run.run.head_sha).toBe(sha);
  expect((run.run.output as { text: string }).text).toContain(
    "releasing 1.2.3 to stable (dry run true) from refs/heads/main by workflow_dispatch",
  );
  // Only the workflow named was started, although other.yml can be dispatched too.
  expect(f.fake.checkRuns.map((r) => r.run.name)).toEqual(["release"]);
});

it.each([
  [["release.yml", "--ref", "main"], "Required input 'version' not provided"],
  [
    ["release.yml", "--ref", "main", "--input", "version=1", "--input", "channel=nightly"],
    "Provided value 'nightly' for input 'channel' not in the list of allowed values",
  ],
  [
    ["release.yml", "--ref", "main", "--input", "version=1", "--input", "colour=red"],
    'Unexpected inputs provided: ["colour"]',
  ],
  [["push-only.yml", "--ref", "main"], "Workflow does not have 'workflow_dispatch' trigger"],
  [["release.yml", "--ref", "no-such-branch", "--input", "version=1"], "No ref found for: no-such-branch"],
  [["missing.yml", "--ref", "main"], "Workflow missing.yml not found"],
])("refuses %j with GitHub's message", async (args, message) => {
  const result = await dispatch(["acme/shipit", ...args]);
  expect(result.exitCode).toBe(1);
  expect(result.all).toContain(message);
});

it("refuses a wrong API token and an app that is not installed", async () => {
  const wrong = await dispatch(["acme/shipit", "release.yml", "--ref", "main"], "x".repeat(48));
  expect(wrong.exitCode).toBe(1);
  expect(wrong.all).toContain("Authorization: Bearer");
  const elsewhere = await dispatch(["someone/else", "release.yml", "--ref", "main"]);
  expect(elsewhere.all).toContain("not installed on someone/else");
});
