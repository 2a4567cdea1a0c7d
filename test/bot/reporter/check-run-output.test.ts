import { describe, expect, it } from "vitest";
import { checkRunOutput, GITHUB_TEXT_LIMIT, logText } from "../../../bot/reporter/check-run-output.ts";

const base = {
  namespace: "default",
  runnerName: "box-1",
  startedAt: new Date("2026-01-01T00:00:00Z"),
  completedAt: new Date("2026-01-01T00:00:04Z"),
  logUrl: "http://bot/jobs/1?token=t",
};

describe("checkRunOutput", () => {
  it("summarises steps as a table and says where the job failed", () => {
    const out = checkRunOutput({
      ...base,
      conclusion: "failure",
      logTail: "\u001b[31mboom\u001b[0m\n",
      steps: [
        {
          index: 0,
          name: "Build",
          conclusion: "success",
          startedAt: "2026-01-01T00:00:00Z",
          completedAt: "2026-01-01T00:00:01.5Z",
        },
        {
          index: 1,
          name: "Test | unit",
          conclusion: "failure",
          startedAt: "2026-01-01T00:00:01.5Z",
          completedAt: "2026-01-01T00:00:04Z",
        },
      ],
    });
    expect(out.title).toBe("Failed at step “Test | unit”");
    expect(out.summary).toContain("| ✅ Build | success | 1.5s |");
    expect(out.summary).toContain("| ❌ Test \\| unit | failure | 2.5s |");
    expect(out.summary).toContain("[Full log](http://bot/jobs/1?token=t)");
    expect(out.text).toContain("boom");
    expect(out.text).not.toContain("\u001b");
  });

  it("keeps the end of a long log within GitHub's 65,535-character limit", () => {
    const log = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join("\n");
    const text = logText(log);
    expect(text.length).toBeLessThanOrEqual(GITHUB_TEXT_LIMIT);
    expect(text).toContain("line 19999");
    expect(text).not.toContain("line 0\n");
    expect(text).toContain("earlier output is on the log page");
  });

  it("fences the log so backticks in it cannot end the code block", () => {
    const text = logText("a ``` b ```` c");
    expect(text.startsWith("`````text\n")).toBe(true);
    expect(text.endsWith("\n`````")).toBe(true);
  });
});
