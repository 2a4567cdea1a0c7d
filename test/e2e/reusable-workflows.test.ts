/**
 * Reusable workflows end to end: a job that `uses:` a workflow of the same repository, or of
 * another repository at a ref, runs as that workflow's jobs — check runs named
 * `<caller> / <called>` — with the call's `with:` as `inputs`, and the called workflow's
 * outputs reaching the caller's later jobs as `needs.<caller>.outputs`.
 */
import { describe, expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";
import { INSTALLATION_ID } from "../helpers/flotilla.ts";
import type { CheckRunRecord } from "../helpers/fake-github.ts";
import { scratchDir } from "../helpers/scratch.ts";

const _scratch = scratchDir("flotilla-reusable-");

const f = flotillaSuite({
  runners: [
    { name: "one", labels: ["big"] },
    { name: "two", labels: ["big"] },
  ],
});

function addRepo(
  owner: string,
  name: string,
  files: Record<string, string>,
  opts: { private?: boolean; installationId?: number } = {},
) {
  return f.repository(owner, name, { "README.md": "x\n", ...files }, opts);
}

async function push(owner: string, name: string, files: Record<string, string>) {
  const { repo, sha } = await addRepo(owner, name, files);
  await f.push(repo, sha);
  return sha;
}

const text = (run: CheckRunRecord) => (run.run.output as { text?: string }).text ?? "";

describe("reusable workflows", () => {
  it("runs a called workflow of the same repository as `<caller> / <called>` jobs and passes its outputs on", async () => {
    const sha = await push("acme", "app", {
      ".flotilla/workflows/ci.yml": `name: CI
on: push
jobs:
  build:
    uses: ./.flotilla/workflows/build.yml
    with: { target: linux }
  publish:
    needs: build
    runs-on: big
    steps:
      - run: echo "publishing \${{ needs.build.outputs.artifact-name }} after \${{ needs.build.result }}"
`,
      ".flotilla/workflows/build.yml": `name: Build
on:
  workflow_call:
    inputs:
      target: { type: string, required: true }
      optimise: { type: boolean, default: true }
    outputs:
      artifact-name:
        description: The package built
        value: \${{ jobs.package.outputs.name }}
jobs:
  compile:
    runs-on: big
    outputs:
      objects: \${{ steps.c.outputs.objects }}
    steps:
      - id: c
        run: |
          echo "compiling for \${{ inputs.target }} optimise=\${{ inputs.optimise }}"
          echo "objects=main.o" >> "$GITHUB_OUTPUT"
  package:
    needs: compile
    runs-on: big
    outputs:
      name: \${{ steps.p.outputs.name }}
    steps:
      - id: p
        run: echo "name=app-\${{ inputs.target }}-\${{ needs.compile.outputs.objects }}.tgz" >> "$GITHUB_OUTPUT"
`,
    });
    const [compile, pack, publish] = await f.finished(sha, ["build / compile", "build / package", "publish"]);
    expect([compile, pack, publish].map((r) => r.run.conclusion)).toEqual(["success", "success", "success"]);
    expect(text(compile)).toContain("compiling for linux optimise=true");
    expect(text(publish)).toContain("publishing app-linux-main.o.tgz after success");
    // The called workflow does not run on its own, and the caller shows no check run of its own.
    expect(f.checkRunNames(sha)).toEqual(["build / compile", "build / package", "publish"]);
    // publish was released only after both called jobs completed.
    expect(Date.parse(publish.run.started_at as string)).toBeGreaterThanOrEqual(
      Date.parse(pack.run.completed_at as string),
    );
  });

  it("calls a workflow of another repository at a ref", async () => {
    await addRepo("otherorg", "shared", {
      ".flotilla/workflows/lint.yml": `on:
  workflow_call:
    inputs:
      strict: { type: boolean, default: false }
jobs:
  lint:
    name: Lint
    runs-on: big
    steps:
      - run: echo "linting strict=\${{ inputs.strict }} in \${{ github.repository }}"
`,
    });
    const sha = await push("acme", "uses-remote", {
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  checks:
    name: Checks
    uses: otherorg/shared/.flotilla/workflows/lint.yml@main
    with: { strict: true }
`,
    });
    const [lint] = await f.finished(sha, ["Checks / Lint"]);
    expect(lint.run.conclusion).toBe("success");
    expect(text(lint)).toContain("linting strict=true in acme/uses-remote");
  });

  it("names a call to a repository the installation cannot read in a failed check run at its line", async () => {
    await addRepo(
      "stranger",
      "private",
      { ".github/workflows/x.yml": "on: workflow_call\njobs:\n  a:\n    runs-on: big\n    steps: [{ run: echo }]\n" },
      { private: true, installationId: INSTALLATION_ID + 1 },
    );
    const sha = await push("acme", "uses-unreadable", {
      ".flotilla/workflows/ci.yml": `on: push
jobs:
  x:
    uses: stranger/private/.github/workflows/x.yml@main
`,
    });
    const run = await f.fake.waitForCheckRun(
      ".flotilla/workflows/ci.yml",
      (r) => r.run.head_sha === sha && r.run.status === "completed",
      { timeoutMs: 30_000 },
    );
    expect(run.run.conclusion).toBe("failure");
    const annotations = run.history.flatMap(
      (h) =>
        (h.body.output as { annotations?: { start_line: number; message: string }[] } | undefined)?.annotations ?? [],
    );
    expect(annotations).toEqual([
      expect.objectContaining({
        start_line: 4,
        message: expect.stringContaining("this installation cannot read stranger/private"),
      }),
    ]);
  });
});
