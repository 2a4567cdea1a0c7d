/**
 * `flotilla run` as people run it: a real process in a real git repository, real steps.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { BIN } from "../helpers/flotilla-bin.ts";
import { runSuite, summaryRows } from "./flotilla-run.ts";

const { repo, flotillaRun, cacheHome } = runSuite("flotilla-run-test-");

const CHAIN = `name: Chain
on: push
jobs:
  build:
    runs-on: self-hosted
    outputs:
      version: \${{ steps.v.outputs.version }}
    steps:
      - id: v
        run: echo "version=4.2.0" >> "$GITHUB_OUTPUT"
  publish:
    needs: build
    runs-on: self-hosted
    steps:
      - run: echo "publishing \${{ needs.build.outputs.version }} after \${{ needs.build.result }}"
`;

describe("flotilla run", () => {
  it("runs a needs chain in order and passes an output along", async () => {
    const dir = await repo({ ".flotilla/workflows/chain.yml": CHAIN });
    const result = await flotillaRun(dir);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain("[publish] publishing 4.2.0 after success");
    expect(result.stdout).toMatch(/\[build\] ✓ Run echo "version=4\.2\.0" >> "\$GITHUB_OUTPUT" \(\d+\.\ds\)/);
    expect(summaryRows(result.stdout)).toEqual([
      ["build", "success"],
      ["publish", "success"],
    ]);
  });

  it("exits 1 when a step fails, shows the failure in the summary and skips what needed the job", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  test:
    runs-on: self-hosted
    steps:
      - name: Unit tests
        run: |
          echo "::error file=src/a.ts,line=3::expected 1, got 2"
          exit 3
      - run: echo never printed
  deploy:
    needs: test
    runs-on: self-hosted
    steps:
      - run: echo never deployed
`,
    });
    const result = await flotillaRun(dir);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/\[test\] ✗ Unit tests \(\d+\.\ds\)/);
    expect(result.stdout).toContain("[test] ○ Run echo never printed (skipped)");
    expect(result.stdout).not.toContain("never deployed");
    expect(summaryRows(result.stdout)).toEqual([
      ["test", "failure"],
      ["deploy", "skipped"],
    ]);
    expect(result.stdout).toContain('step "Unit tests": the step exited with code 3');
    expect(result.stdout).toContain("src/a.ts:3: error: expected 1, got 2 (test)");
  });

  it("--job runs that job and what it needs, nothing else", async () => {
    const dir = await repo({
      ".flotilla/workflows/chain.yml": CHAIN.replace(
        "jobs:\n",
        "jobs:\n  lint:\n    runs-on: self-hosted\n    steps:\n      - run: echo linting\n",
      ),
    });
    const result = await flotillaRun(dir, ["--job", "publish"]);
    expect(result.exitCode, result.all).toBe(0);
    expect(summaryRows(result.stdout)).toEqual([
      ["build", "success"],
      ["publish", "success"],
    ]);
    expect(result.stdout).not.toContain("linting");

    const unknown = await flotillaRun(dir, ["--job", "nope"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('no job "nope" in .flotilla/workflows/chain.yml (jobs: lint, build, publish)');
  });

  it("--workflow takes a bare name from .flotilla/workflows, a path as it is, and lists the workflows for an unknown one", async () => {
    const dir = await repo({
      ".flotilla/workflows/chain.yml": CHAIN,
      ".flotilla/workflows/lint.yaml":
        "on: push\njobs:\n  lint:\n    runs-on: self-hosted\n    steps:\n      - run: echo linting\n",
      "elsewhere/other.yml":
        "on: push\njobs:\n  other:\n    runs-on: self-hosted\n    steps:\n      - run: echo from elsewhere\n",
    });
    const byName = await flotillaRun(dir, ["--workflow", "chain.yml"]);
    expect(byName.exitCode, byName.all).toBe(0);
    expect(summaryRows(byName.stdout)).toEqual([
      ["build", "success"],
      ["publish", "success"],
    ]);
    expect(byName.stdout).not.toContain("linting");

    const withoutExtension = await flotillaRun(dir, ["-W", "lint"]);
    expect(withoutExtension.exitCode, withoutExtension.all).toBe(0);
    expect(summaryRows(withoutExtension.stdout)).toEqual([["lint", "success"]]);

    const byPath = await flotillaRun(join(dir, "elsewhere"), ["-W", "./other.yml"]);
    expect(byPath.exitCode, byPath.all).toBe(0);
    expect(byPath.stdout).toContain("[other] from elsewhere");

    const unknown = await flotillaRun(dir, ["--workflow", "deploy.yml"]);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain(
      'flotilla run: no workflow "deploy.yml" in .flotilla/workflows (there: chain.yml, lint.yaml)',
    );
    expect(unknown.all).not.toContain("▶");
  });

  it("runs the legs of a matrix one after another", async () => {
    const dir = await repo({
      ".flotilla/workflows/matrix.yml": `on: push
jobs:
  test:
    runs-on: self-hosted
    strategy:
      matrix:
        node: [18, 20]
    steps:
      - run: echo "leg node=\${{ matrix.node }} \${{ strategy.job-index }}/\${{ strategy.job-total }}"
`,
    });
    const result = await flotillaRun(dir);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain("[test (18)] leg node=18 0/2");
    expect(result.stdout).toContain("[test (20)] leg node=20 1/2");
    expect(result.stdout.indexOf("[test (20)] ▶")).toBeGreaterThan(result.stdout.indexOf("[test (18)] Job succeeded"));
    expect(summaryRows(result.stdout)).toEqual([
      ["test (18)", "success"],
      ["test (20)", "success"],
    ]);
  });

  it("runs the working tree as it is: uncommitted and untracked files, not ignored ones", async () => {
    const dir = await repo({
      ".gitignore": "secret.txt\n",
      "greeting.txt": "committed\n",
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  show:
    runs-on: self-hosted
    steps:
      - run: |
          echo "greeting: $(cat greeting.txt)"
          echo "new: $(cat new.txt)"
          test ! -e secret.txt && echo "no secret"
          echo "head: $(git rev-parse HEAD)"
`,
    });
    await writeFile(join(dir, "greeting.txt"), "edited, not committed\n");
    await writeFile(join(dir, "new.txt"), "untracked\n");
    await writeFile(join(dir, "secret.txt"), "ignored\n");
    const head = (await execa("git", ["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
    const result = await flotillaRun(dir);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain("[show] greeting: edited, not committed");
    expect(result.stdout).toContain("[show] new: untracked");
    expect(result.stdout).toContain("[show] no secret");
    expect(result.stdout).toContain(`[show] head: ${head}`);
  });

  it("passes --input to inputs under --event workflow_dispatch, and refuses a missing required one", async () => {
    const dir = await repo({
      ".flotilla/workflows/release.yml": `on:
  workflow_dispatch:
    inputs:
      x:
        required: true
      dry:
        type: boolean
        default: true
jobs:
  release:
    runs-on: self-hosted
    steps:
      - run: echo "x=\${{ inputs.x }} dry=\${{ inputs.dry }} event=\${{ github.event_name }} payload=\${{ github.event.inputs.x }}"
`,
      ".flotilla/workflows/push.yml": CHAIN,
    });
    const result = await flotillaRun(dir, ["--event", "workflow_dispatch", "--input", "x=hello world"]);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain("[release] x=hello world dry=true event=workflow_dispatch payload=hello world");
    expect(result.stdout).not.toContain("[build]");

    const missing = await flotillaRun(dir, ["--event", "workflow_dispatch"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain(".flotilla/workflows/release.yml: Required input 'x' not provided");
  });

  it("names an unsupported feature at its line and runs nothing", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  build:
    runs-on: self-hosted
    container: node:20
    steps:
      - run: echo should not run
`,
    });
    const result = await flotillaRun(dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^\.flotilla\/workflows\/ci\.yml:5:\d+: job "build": `container` is not supported by Flotilla: it needs a container engine/m,
    );
    expect(result.all).not.toContain("should not run");
  });

  it("Ctrl-C stops the running step's process group, still runs always() steps, and exits 130", async () => {
    const dir = await repo({
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  slow:
    runs-on: self-hosted
    steps:
      - run: sleep 60 & sleep 60
      - if: always()
        run: echo cleaning up
  after:
    needs: slow
    if: always()
    runs-on: self-hosted
    steps:
      - run: echo not started
`,
    });
    const child = execa("node", [BIN, "run"], {
      cwd: dir,
      reject: false,
      all: true,
      env: { LOG_LEVEL: "silent", XDG_CACHE_HOME: cacheHome() },
    });
    await new Promise<void>((resolve) => {
      child.stdout?.on("data", (data: Buffer) => {
        if (data.toString().includes("▶ Run sleep 60")) resolve();
      });
    });
    child.kill("SIGINT");
    const result = await child;
    const stdout = String(result.stdout);
    expect(result.exitCode).toBe(130);
    expect(stdout).toMatch(/\[slow\] ✗ Run sleep 60 & sleep 60 \(\d+\.\ds, cancelled\)/);
    expect(stdout).toContain("[slow] cleaning up");
    expect(stdout).not.toContain("not started");
    expect(summaryRows(stdout)).toEqual([
      ["slow", "cancelled"],
      ["after", "cancelled"],
    ]);
  });
});
