/**
 * Workflow commands: their lines parsed (a table), then with masking through a real runner —
 * annotations, groups, add-mask, secrets from the job's contexts (also split across writes),
 * debug, stop-commands, and the cleanup steps that still run after a cancel.
 */
import { describe, expect, it } from "vitest";
import { parseCommand } from "../../../runner/step/workflow-commands.ts";
import { stepsSuite } from "../steps-support.ts";

const h = stepsSuite({ "a.js": "let a;\n", "src/b.js": "let b;\n" });

describe.concurrent("workflow commands in a step's output", () => {
  it("turns ::error/::warning/::notice into annotations and keeps them in the log", async () => {
    const { completed, log } = await h.runJob({
      steps: [
        {
          name: "lint",
          run: [
            'echo "::error file=a.js,line=3::boom"',
            'echo "::warning title=Heads%3A up%2C really,file=$GITHUB_WORKSPACE/src/b.js,line=1,endLine=2,col=4,endColumn=9::multi%0Aline 100%25"',
            'echo "::notice::just so"',
          ].join("\n"),
        },
      ],
    });
    expect(completed.annotations.map(withoutLogLine)).toEqual([
      { level: "error", message: "boom", file: "a.js", line: 3 },
      {
        level: "warning",
        message: "multi\nline 100%",
        title: "Heads: up, really",
        file: "src/b.js",
        line: 1,
        endLine: 2,
        col: 4,
        endColumn: 9,
      },
      { level: "notice", message: "just so" },
    ]);
    expect(log).toContain("##[error]boom\n");
    expect(log).toContain("##[notice]just so\n");
    expect(log).not.toContain("::error");
    // Each names the line of the job's log that shows it (numbered from 1, as the log page does).
    const lines = log.split("\n");
    expect(completed.annotations.map((a) => lines[a.logLine! - 1])).toEqual([
      "##[error]boom",
      "##[warning]multi",
      "##[notice]just so",
    ]);
  });

  it("keeps ::group:: sections as ##[group] lines", async () => {
    const { log } = await h.runJob({
      steps: [{ name: "grouped", run: 'echo "::group::Install deps"\necho inside\necho "::endgroup::"\necho outside' }],
    });
    expect(log).toContain("##[group]Install deps\ninside\n##[endgroup]\noutside\n");
  });

  it("masks ::add-mask:: values in later lines, annotations, the summary and job outputs", async () => {
    const { completed, log } = await h.runJob({
      steps: [
        {
          id: "gen",
          name: "gen",
          run: [
            'echo "before hunter2"',
            'echo "::add-mask::hunter2"',
            'echo "after hunter2"',
            'echo "::warning title=hunter2::has hunter2"',
            'echo "summary hunter2" >> "$GITHUB_STEP_SUMMARY"',
            'echo "pw=hunter2" >> "$GITHUB_OUTPUT"',
            'echo "ok=fine" >> "$GITHUB_OUTPUT"',
          ].join("\n"),
        },
      ],
      outputs: { pw: "${{ steps.gen.outputs.pw }}", ok: "${{ steps.gen.outputs.ok }}" },
    });
    // GitHub masks from the command on; what was printed before it stays as it was.
    expect(log).toContain("before hunter2\n");
    expect(log).toContain("after ***\n");
    expect(log).not.toContain("add-mask");
    expect(completed.annotations.map(withoutLogLine)).toEqual([{ level: "warning", title: "***", message: "has ***" }]);
    expect(completed.summary).toBe("summary ***\n");
    expect(completed.outputs).toEqual({ ok: "fine" });
    expect(log).toContain("##[warning]Skip output 'pw' since it may contain secret.\n");
  });

  it("masks secrets from the contexts from the start, across split writes and line by line", async () => {
    const { completed, log } = await h.runJob({
      contexts: { secrets: { TOKEN: "s3cr3t-value-xyz", CERT: "cert-line-one\ncert-line-two" } },
      steps: [
        {
          name: "leaky",
          run: [
            "printf 's3cr3t-'; sleep 0.2; printf 'value-xyz and more\\n'",
            "echo 'templated ${{ secrets.TOKEN }}'",
            'echo "$CERT"',
            'echo "::error::failed with $TOKEN"',
          ].join("\n"),
          env: { TOKEN: "${{ secrets.TOKEN }}", CERT: "${{ secrets.CERT }}" },
        },
      ],
    });
    expect(log).toContain("*** and more\n");
    expect(log).toContain("templated ***\n");
    expect(log).toContain("***\n***\n");
    for (const secret of ["s3cr3t", "value-xyz", "cert-line-one", "cert-line-two"]) expect(log).not.toContain(secret);
    expect(completed.annotations.map(withoutLogLine)).toEqual([{ level: "error", message: "failed with ***" }]);
  });

  it("shows ::debug:: only when ACTIONS_STEP_DEBUG is true", async () => {
    const steps = [{ name: "dbg", run: 'echo "::debug::deep detail"\necho "debug=${RUNNER_DEBUG:-off}"' }];
    const quiet = await h.runJob({ steps });
    expect(quiet.log).not.toContain("deep detail");
    expect(quiet.log).toContain("debug=off\n");
    const loud = await h.runJob({ steps, contexts: { vars: { ACTIONS_STEP_DEBUG: "true" } } });
    expect(loud.log).toContain("##[debug]deep detail\n");
    expect(loud.log).toContain("debug=1\n");
  });

  it("honours ::stop-commands::token until ::token::", async () => {
    const { completed, log } = await h.runJob({
      steps: [
        {
          name: "stop",
          run: 'echo "::stop-commands::pause123"\necho "::error::not a command"\necho "::pause123::"\necho "::error::a command"',
        },
      ],
    });
    expect(log).toContain("::error::not a command\n");
    expect(completed.annotations.map(withoutLogLine)).toEqual([{ level: "error", message: "a command" }]);
  });

  it("runs only always() and cancelled() steps after a cancel, and reports cancelled", async () => {
    const { completed, log, results } = await h.runJob(
      {
        steps: [
          { name: "long", run: "echo waiting\nsleep 1000" },
          { name: "normal", run: "echo never-normal" },
          { name: "on failure", if: "failure()", run: "echo never-failure" },
          { name: "cleanup", if: "always()", run: "echo cleanup-ran status=${{ job.status }}" },
          { name: "on cancel", if: "cancelled()", run: "echo cancel-ran" },
        ],
      },
      {
        async whilst(id) {
          await h.bus.reports.waitFor(() => h.bus.reports.log(id).includes("waiting\n"), 10_000, "the step to start");
          h.bus.nc.publish(h.bus.names.cancelSubject(id), "cancelled by /cancel");
        },
      },
    );
    expect(completed.conclusion).toBe("cancelled");
    expect(completed.message).toBe("cancelled by /cancel");
    expect(results.map(([, conclusion]) => conclusion)).toEqual([
      "cancelled",
      "skipped",
      "skipped",
      "success",
      "success",
    ]);
    expect(log).toContain("cleanup-ran status=cancelled\n");
    expect(log).toContain("cancel-ran\n");
    expect(log).not.toContain("never-");
  });
});

describe("workflow command lines", () => {
  it.each([
    ["::error file=a.js,line=3::boom", { name: "error", properties: { file: "a.js", line: "3" }, data: "boom" }],
    ["  ::group::Build %25 done", { name: "group", properties: {}, data: "Build % done" }],
    [
      "::warning title=a%3Ab%2Cc%0Ad::x%0Ay%3A",
      { name: "warning", properties: { title: "a:b,c\nd" }, data: "x\ny%3A" },
    ],
    ["::endgroup::", { name: "endgroup", properties: {}, data: "" }],
  ])("%s", (line, expected) => {
    expect(parseCommand(line)).toEqual(expected);
  });

  it.each(["plain text", ":: not a command", "::error no end", "echo ::error::x"])("leaves %j alone", (line) => {
    expect(parseCommand(line)).toBeUndefined();
  });
});

/** An annotation as GitHub gets it: the log line it links to on Flotilla's page is Flotilla's own. */
function withoutLogLine<T extends { logLine?: number }>({ logLine: _, ...annotation }: T): Omit<T, "logLine"> {
  return annotation;
}
