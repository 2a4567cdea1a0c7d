/**
 * Steps as GitHub Actions runs them, through a real runner, NATS, git and processes: each
 * case is a job snippet and what a user would see in the report and the log.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { stepsSuite } from "../steps-support.ts";

const files = {
  "README.md": "hello\n",
  "lock/a.txt": "alpha\n",
  "lock/b.txt": "beta\n",
  "sub/dir/file.txt": "deep file\n",
};
const h = stepsSuite(files);

/** GitHub's hashFiles, computed here independently: sha256 over each file's sha256, by path. */
function expectedHash(contents: string[]): string {
  const outer = createHash("sha256");
  for (const content of contents) outer.update(createHash("sha256").update(content).digest());
  return outer.digest("hex");
}

describe.concurrent("steps the way GitHub Actions runs them", () => {
  it("runs steps by their if: success(), failure(), always(), and an implicit success()", async () => {
    const { completed, log, results } = await h.runJob({
      steps: [
        { name: "ok", run: "echo first", if: "github.ref == 'refs/heads/main'" },
        { name: "not main", run: "echo never-ref", if: "${{ github.ref == 'refs/heads/dev' }}" },
        { name: "breaks", run: "exit 1" },
        { name: "on success", run: "echo never-success", if: "success()" },
        { name: "implicit", run: "echo never-implicit", if: "true" },
        { name: "on failure", run: "echo ran-on-failure status=${{ job.status }}", if: "failure()" },
        { name: "always", run: "echo ran-always", if: "${{ always() }}" },
        { name: "plain", run: "echo never-plain" },
      ],
    });
    expect(completed.conclusion).toBe("failure");
    expect(results.map(([, conclusion]) => conclusion)).toEqual([
      "success",
      "skipped",
      "failure",
      "skipped",
      "skipped",
      "success",
      "success",
      "skipped",
    ]);
    expect(log).toContain("ran-on-failure status=failure\n");
    expect(log).toContain("ran-always\n");
    expect(log).not.toMatch(/never-/);
    expect(completed.message).toBe('step "breaks": the step exited with code 1');
  });

  it("continue-on-error: outcome failure, conclusion success, and the job goes on", async () => {
    const { completed, log, results } = await h.runJob({
      steps: [
        { id: "flaky", name: "flaky", run: "exit 3", continueOnError: true },
        { name: "next", run: "echo 'flaky=${{ steps.flaky.outcome }}/${{ steps.flaky.conclusion }}'" },
      ],
    });
    expect(completed.conclusion).toBe("success");
    expect(results).toEqual([
      ["failure", "success"],
      ["success", "success"],
    ]);
    expect(log).toContain("flaky=failure/success\n");
  });

  it("passes GITHUB_OUTPUT (single and multi-line) to later steps' if and run, and to job outputs", async () => {
    const { completed, log } = await h.runJob({
      steps: [
        {
          id: "meta",
          name: "meta",
          run: 'echo "version=1.2.3" >> "$GITHUB_OUTPUT"\n{ echo "notes<<EOF"; echo "line one"; echo "line two"; echo "EOF"; } >> "$GITHUB_OUTPUT"',
        },
        {
          name: "use",
          if: "steps.meta.outputs.version == '1.2.3'",
          run: "echo 'got ${{ steps.meta.outputs.version }}'\necho \"$NOTES\"",
          env: { NOTES: "${{ steps.meta.outputs.notes }}" },
        },
        { name: "skip", if: "steps.meta.outputs.version == '9'", run: "echo never" },
      ],
      outputs: {
        version: "${{ steps.meta.outputs.version }}",
        notes: "${{ steps.meta.outputs.notes }}",
        missing: "${{ steps.nope.outputs.x }}",
      },
    });
    expect(completed.conclusion).toBe("success");
    expect(log).toContain("got 1.2.3\nline one\nline two\n");
    expect(log).not.toContain("never");
    expect(completed.outputs).toEqual({ version: "1.2.3", notes: "line one\nline two", missing: "" });
  });

  it("carries GITHUB_ENV and GITHUB_PATH into later steps", async () => {
    const { completed, log } = await h.runJob({
      env: { GREETING: "from-job" },
      steps: [
        {
          name: "set",
          run: 'echo "GREETING=hello" >> "$GITHUB_ENV"\nmkdir -p "$RUNNER_TEMP/tools"\nprintf \'#!/bin/sh\\necho from-my-tool\\n\' > "$RUNNER_TEMP/tools/mytool"\nchmod +x "$RUNNER_TEMP/tools/mytool"\necho "$RUNNER_TEMP/tools" >> "$GITHUB_PATH"',
        },
        { name: "use", run: 'echo "shell=$GREETING context=${{ env.GREETING }}"\nmytool' },
        { name: "step env wins", run: 'echo "now=$GREETING"', env: { GREETING: "step" } },
      ],
    });
    expect(completed.conclusion).toBe("success");
    expect(log).toContain("shell=hello context=hello\nfrom-my-tool\n");
    expect(log).toContain("now=step\n");
  });

  it("concatenates GITHUB_STEP_SUMMARY of two steps in order", async () => {
    const { completed } = await h.runJob({
      steps: [
        { name: "one", run: 'echo "## One" >> "$GITHUB_STEP_SUMMARY"' },
        { name: "none", run: "true" },
        { name: "two", run: 'printf "## Two\\n- item" >> "$GITHUB_STEP_SUMMARY"' },
      ],
    });
    expect(completed.summary).toBe("## One\n## Two\n- item\n");
  });

  it("fills run templates from matrix, needs, github, vars, inputs, strategy, runner and the functions", async () => {
    const { completed, log } = await h.runJob({
      contexts: {
        github: { event: { head_commit: { message: "Fix it" } }, event_name: "push" },
        vars: { REGION: "eu-west" },
        matrix: { node: 20, os: "linux" },
        strategy: { "job-index": 1, "job-total": 4 },
        needs: { build: { result: "success", outputs: { artifact: "app.tgz" } } },
        inputs: { level: "debug", dry: true },
      },
      steps: [
        {
          name: "contexts",
          run: [
            "echo 'matrix=${{ matrix.node }}-${{ matrix.os }} leg=${{ strategy.job-index }}/${{ strategy.job-total }}'",
            "echo 'needs=${{ needs.build.outputs.artifact }} ${{ needs.build.result }}'",
            "echo 'github=${{ github.event.head_commit.message }} ${{ github.sha }} ${{ github.ref_name }} ${{ github.repository }}'",
            "echo 'vars=${{ vars.REGION }} inputs=${{ inputs.level }} ${{ inputs.dry }} missing=[${{ vars.NOPE }}]'",
            "echo 'runner=${{ runner.os }} workspace-ok=${{ github.workspace == env.GITHUB_WORKSPACE_COPY }}'",
            "echo 'fns=${{ format('{0}+{1}', 'a', 1) }} ${{ join(fromJSON('[1,2]'), '|') }} ${{ contains('abc', 'B') }} ${{ startsWith('abc', 'a') }} ${{ endsWith('abc', 'x') }}'",
            "echo '${{ toJSON(matrix) }}'",
          ].join("\n"),
          env: { GITHUB_WORKSPACE_COPY: "${{ github.workspace }}" },
        },
      ],
    });
    expect(completed.conclusion).toBe("success");
    expect(log).toContain("matrix=20-linux leg=1/4\n");
    expect(log).toContain("needs=app.tgz success\n");
    expect(log).toContain(`github=Fix it ${h.sha} main octo/widgets\n`);
    expect(log).toContain("vars=eu-west inputs=debug true missing=[]\n");
    expect(log).toContain("runner=Linux workspace-ok=true\n");
    expect(log).toContain("fns=a+1 1|2 true true false\n");
    expect(log).toContain('{\n  "node": 20,\n  "os": "linux"\n}\n');
  });

  it("hashFiles is stable, changes with a file, and is empty when nothing matches", async () => {
    const { completed, log } = await h.runJob({
      steps: [
        {
          name: "h1",
          run: "echo 'h1=${{ hashFiles('lock/**') }}'\necho 'h1again=${{ hashFiles('lock/*.txt', '!nothing') }}'",
        },
        { name: "change", run: "echo changed >> lock/a.txt" },
        {
          name: "h2",
          run: "echo 'h2=${{ hashFiles('**/a.txt', 'lock/b.txt') }}'\necho 'none=[${{ hashFiles('nothing/**') }}]'",
        },
      ],
    });
    expect(completed.conclusion).toBe("success");
    const before = expectedHash(["alpha\n", "beta\n"]);
    expect(log).toContain(`h1=${before}\nh1again=${before}\n`);
    expect(log).toContain(`h2=${expectedHash(["alpha\nchanged\n", "beta\n"])}\n`);
    expect(log).toContain("none=[]\n");
  });

  it("runs python, node, sh, bash and custom {0} shells, and defaults.run.shell", async () => {
    const { completed, log, results } = await h.runJob({
      defaults: { shell: "sh" },
      steps: [
        { name: "python", shell: "python", run: "import sys\nprint('py', 1 + 1, sys.argv[0].endswith('.py'))" },
        { name: "node", shell: "node", run: "console.log('node', 2 + 2, process.argv[1].endsWith('.js'))" },
        { name: "default sh", run: 'echo "sh pipefail: $(set -o | grep -c pipefail)"; false | true; echo sh-went-on' },
        { name: "bash", shell: "bash", run: "echo bash-$BASH_VERSINFO\nfalse | true\necho unreachable" },
        { name: "custom", shell: "perl {0}", run: 'print "perl says ", 6 * 7, "\\n";', if: "always()" },
      ],
    });
    expect(completed.conclusion).toBe("failure");
    expect(results.map(([, conclusion]) => conclusion)).toEqual([
      "success",
      "success",
      "success",
      "failure",
      "success",
    ]);
    expect(log).toContain("py 2 True\n");
    expect(log).toContain("node 4 true\n");
    expect(log).toContain("sh-went-on\n");
    expect(log).toMatch(/bash-\d\n/);
    expect(log).not.toContain("unreachable");
    expect(log).toContain("perl says 42\n");
  });

  it("fails a step on an expression error with a readable message, and keeps the runner going", async () => {
    const { completed, log, results } = await h.runJob({
      steps: [
        { name: "bad run", run: "echo ${{ github.sha == }}", continueOnError: true },
        { name: "bad if", if: "foo.bar == 1", run: "echo never" },
        { name: "after", if: "always()", run: "echo still-here" },
      ],
    });
    expect(results).toEqual([
      ["failure", "success"],
      ["failure", "failure"],
      ["success", "success"],
    ]);
    expect(completed.conclusion).toBe("failure");
    expect(log).toContain("Error evaluating 'run': Unexpected end of expression: '=='");
    expect(log).toContain("Error evaluating 'if': Unrecognized named-value: 'foo'");
    expect(log).toContain("still-here\n");
    expect(log).not.toContain("never\n");
  });

  it("decides a step's timeout-minutes and continue-on-error from expressions as it is about to run", async () => {
    const { completed, log, results } = await h.runJob({
      env: { LIMIT: "0.02" },
      steps: [
        { id: "probe", name: "probe", run: 'echo "forgive=true" >> "$GITHUB_OUTPUT"' },
        {
          name: "slow",
          run: "sleep 20; echo never-finished",
          timeoutMinutesExpression: "fromJSON(env.LIMIT)",
          continueOnErrorExpression: "steps.probe.outputs.forgive == 'true'",
        },
        {
          name: "own env",
          env: { MINE: "0.02" },
          run: "sleep 20",
          timeoutMinutesExpression: "env.MINE",
          continueOnErrorExpression: "true",
        },
        { name: "bad", run: "echo never-bad", timeoutMinutesExpression: "'soon'", if: "always()" },
        { name: "after", run: "echo still-here", if: "always()" },
      ],
    });
    expect(results).toEqual([
      ["success", "success"],
      ["timed_out", "success"],
      ["timed_out", "success"],
      ["failure", "failure"],
      ["success", "success"],
    ]);
    expect(completed.conclusion).toBe("failure");
    expect(log).toContain(`Error evaluating 'timeout-minutes': expected a positive number, got "soon" (in "'soon'")`);
    expect(log).not.toMatch(/never-/);
    expect(log).toContain("still-here\n");
  });

  it("evaluates defaults.run with the job's env, not the step's", async () => {
    const { completed, log } = await h.runJob({
      env: { DIR: "sub" },
      defaults: { workingDirectory: "${{ env.DIR }}" },
      steps: [{ name: "default dir", env: { DIR: "sub/dir" }, run: "cat dir/file.txt" }],
    });
    expect(completed.conclusion).toBe("success");
    expect(log).toContain("deep file\n");
  });

  it("applies defaults.run.working-directory unless a step sets its own", async () => {
    const { completed, log } = await h.runJob({
      defaults: { workingDirectory: "sub" },
      steps: [
        { name: "default dir", run: "cat dir/file.txt" },
        { name: "own dir", run: "cat file.txt", workingDirectory: "sub/dir" },
      ],
    });
    expect(completed.conclusion).toBe("success");
    expect(log.match(/deep file\n/g)).toHaveLength(2);
  });

  it("runs actions/checkout as already done and fails an action that is not there by name", async () => {
    const { completed, log, results } = await h.runJob({
      steps: [
        { name: "Checkout", uses: "actions/checkout@v4" },
        { name: "Setup", uses: "./.github/actions/setup", with: { "node-version": "20" } },
      ],
    });
    expect(results).toEqual([
      ["success", "success"],
      ["failure", "failure"],
    ]);
    expect(log).toContain(`already checked out at ${h.sha}\n`);
    expect(completed.message).toContain("`uses: ./.github/actions/setup`: can't find 'action.yml' or 'action.yaml'");
  });
});
