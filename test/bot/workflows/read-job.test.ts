/**
 * A job that calls a reusable workflow (`jobs.<id>.uses`), as the parser reads it: `uses`, `with`
 * and `secrets` on the job, the called workflow's `on.workflow_call` interface, and which
 * `uses:` names a workflow Flotilla can fetch (callTarget).
 */
import { describe, expect, it } from "vitest";
import { repoRef } from "../../../bot/runs/repo-ref.ts";
import { callTarget } from "../../../bot/planner/reusable-workflows.ts";
import { parseWorkflow } from "../../../bot/workflows/parse-workflow.ts";
import { BUILD, REPO, SHA } from "./support.ts";

describe("parsing a call", () => {
  it("reads uses, with and secrets, and the called workflow's interface", async () => {
    const caller = await parseWorkflow(
      "ci.yml",
      `on: push\njobs:\n  a:\n    uses: ./.github/workflows/x.yml\n    with: { n: 3, flag: true, s: "\${{ github.sha }}" }\n    secrets: inherit\n`,
    );
    expect(caller.ok && caller.value.jobs[0]!.call).toEqual({
      uses: "./.github/workflows/x.yml",
      with: { n: 3, flag: true, s: "${{ github.sha }}" },
      secrets: "inherit",
      position: { line: 4, column: 5 },
    });
    const called = await parseWorkflow("build.yml", BUILD);
    expect(called.ok && called.value.on.workflow_call).toEqual({
      inputs: {
        target: { type: "string", required: true },
        level: { type: "number", required: false, default: 2 },
        strip: { type: "boolean", required: false },
      },
      outputs: { "artifact-name": "${{ jobs.package.outputs.name }}" },
      secrets: {},
    });
  });

  it("tells local and remote calls apart", () => {
    expect(callTarget("./.github/workflows/x.yml", { repo: REPO, ref: SHA })).toEqual({
      ok: true,
      value: { repo: REPO, path: ".github/workflows/x.yml", ref: SHA },
    });
    expect(callTarget("otherorg/shared/.flotilla/workflows/lint.yml@main", { repo: REPO, ref: SHA })).toEqual({
      ok: true,
      value: { repo: repoRef("otherorg/shared"), path: ".flotilla/workflows/lint.yml", ref: "main" },
    });
    expect(callTarget("./scripts/x.yml", { repo: REPO, ref: SHA })).toMatchObject({ ok: false });
    expect(callTarget("otherorg/shared/.github/workflows/lint.yml", { repo: REPO, ref: SHA })).toMatchObject({
      ok: false,
    });
  });
});

describe("environment", () => {
  it("reads a name or {name, url}, each as written (an expression too: it is evaluated when the job is planned)", async () => {
    const jobs = async (environment: string) => {
      const parsed = await parseWorkflow(
        "ci.yml",
        `on: push\njobs:\n  deploy:\n    runs-on: x\n    environment: ${environment}\n    steps: [{ run: x }]\n`,
      );
      return parsed.ok ? parsed.value.jobs[0]!.environment : parsed.reason;
    };
    expect(await jobs("production")).toEqual({ name: "production" });
    expect(await jobs("{ name: staging, url: 'https://x.example' }")).toEqual({
      name: "staging",
      url: "https://x.example",
    });
    expect(await jobs("${{ matrix.env }}")).toEqual({ name: "${{ matrix.env }}" });
  });
});
