import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

const GOOD = `name: CI
on: push
jobs:
  build:
    runs-on: [self-hosted, "\${{ matrix.os }}"]
    strategy:
      matrix:
        os: [linux, macos, windows]
        node: [18, 20]
        exclude: [{ os: windows, node: 18 }]
    steps:
      - uses: actions/checkout@v4
      - run: make
  test:
    name: Test on \${{ github.ref }}
    needs: build
    runs-on: linux
    steps:
      - run: make test
`;

const BAD = `on: push
jobs:
  a:
    runs-on: linux
    foo: bar
    steps: [{ run: x }]
`;

const TRIGGERS = `on:
  schedule:
    - cron: '0 3 * * *'
  release:
    types: [published]
  workflow_run:
    workflows: [CI]
  issues:
  pull_request_target:
jobs:
  a:
    runs-on: linux
    environment: production
    steps: [{ run: x }]
`;

const UNSUPPORTED = `on: push
jobs:
  a:
    runs-on: linux
    steps:
      - uses: docker://alpine:3
  b:
    runs-on: linux
    steps: [{ run: make }]
`;

describe("flotilla validate (a real process)", () => {
  let dir: string;
  const validate = (args: string[], cwd = ROOT) =>
    execa("node", [join(ROOT, "bin/flotilla.js"), "validate", ...args], { cwd, reject: false });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flotilla-validate-"));
    await mkdir(join(dir, ".flotilla/workflows"), { recursive: true });
    await writeFile(join(dir, ".flotilla/workflows/ci.yml"), GOOD);
    await writeFile(join(dir, "bad.yml"), BAD);
    await writeFile(join(dir, "unsupported.yml"), UNSUPPORTED);
    await writeFile(join(dir, "triggers.yml"), TRIGGERS);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints the jobs a good file creates, one per matrix leg, and exits 0", async () => {
    const result = await validate([join(dir, ".flotilla/workflows/ci.yml"), "--json"]);
    expect(result.exitCode).toBe(0);
    const { files } = JSON.parse(result.stdout) as {
      files: {
        ok: boolean;
        problems: unknown[];
        jobs: { key: string; name: string; runsOn: string[]; needs: string[] }[];
      }[];
    };
    expect(files[0]).toMatchObject({ ok: true, problems: [] });
    expect(files[0]!.jobs).toEqual([
      { key: "build (linux, 18)", name: "build (linux, 18)", runsOn: ["self-hosted", "linux"], needs: [] },
      { key: "build (linux, 20)", name: "build (linux, 20)", runsOn: ["self-hosted", "linux"], needs: [] },
      { key: "build (macos, 18)", name: "build (macos, 18)", runsOn: ["self-hosted", "macos"], needs: [] },
      { key: "build (macos, 20)", name: "build (macos, 20)", runsOn: ["self-hosted", "macos"], needs: [] },
      { key: "build (windows, 20)", name: "build (windows, 20)", runsOn: ["self-hosted", "windows"], needs: [] },
      // No event at validate time: the name stays as written.
      { key: "test", name: "Test on ${{ github.ref }}", runsOn: ["linux"], needs: ["build"] },
    ]);
  });

  it("reads .flotilla/workflows by default and prints a table", async () => {
    const result = await validate([], dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(".flotilla/workflows/ci.yml: 6 jobs");
    expect(result.stdout).toMatch(/build \(windows, 20\)\s+runs-on: self-hosted, windows/);
    expect(result.stdout).toMatch(/test\s+runs-on: linux\s+needs: build/);
  });

  it("reports GitHub's error at file:line:col and exits 1", async () => {
    const result = await validate(["bad.yml"], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe("bad.yml:5:5: Unexpected value 'foo'");
    const json = await validate(["bad.yml", "--json"], dir);
    expect(JSON.parse(json.stdout)).toEqual({
      files: [
        { path: "bad.yml", ok: false, problems: [{ line: 5, column: 5, message: "Unexpected value 'foo'" }], jobs: [] },
      ],
    });
  });

  it("names each event in on: that does not trigger workflows in Flotilla, and only those", async () => {
    const result = await validate(["triggers.yml"], dir);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("note: issues does not trigger workflows in Flotilla");
    expect(result.stdout).toContain("note: pull_request_target does not trigger workflows in Flotilla");
    for (const event of ["schedule", "release", "workflow_run"])
      expect(result.stdout).not.toContain(`${event} does not`);
    const json = JSON.parse((await validate(["triggers.yml", "--json"], dir)).stdout);
    expect(json.files[0].notTriggering).toEqual(["issues", "pull_request_target"]);
    // What an environment does here, and what it does not.
    expect(json.files[0].jobs[0].environment).toBe("production");
    expect(result.stdout).toContain("note: environment production: its secrets are used");
    expect(result.stdout).toContain(
      "its url is shown in the job's summary; protection rules and deployments are not applied in Flotilla",
    );
  });

  it("names an unsupported feature by job, lists that job as refused beside the others, and exits 1", async () => {
    const result = await validate(["unsupported.yml", "bad.yml"], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'unsupported.yml:6:15: job "a": `uses: docker://alpine:3` is not supported by Flotilla: docker actions need a container engine',
    );
    expect(result.stdout).toContain(
      "unsupported.yml: 2 jobs\n  a  refused: `uses: docker://alpine:3` is not supported by Flotilla: docker actions need a container engine\n  b  runs-on: linux",
    );
  });
});
