/**
 * The `/rerun` line the failure summary prints for a job, read back as a comment would be:
 * bare names, names with spaces (quoted), matrix legs as GitHub names them, the keywords `all`
 * and `in` as job names, a name another job answers to (then its key), a name the reader
 * cannot take back (a `"` in it), and namespaces (`in default` only when the commit ran
 * elsewhere too). Each must choose exactly its job among the commit's.
 */
import { describe, expect, it } from "vitest";
import { type NamedJob, namesJob } from "../../../bot/commands/choose-jobs.ts";
import { parseComment } from "../../../bot/commands/parse-comment.ts";
import { rerunLine } from "../../../bot/commands/rerun-line.ts";

const named = (jobKey: string, name = jobKey, namespace = "default", jobId = jobKey.split(" ")[0]!): NamedJob => ({
  jobId,
  jobKey,
  name,
  namespace,
});

/** The jobs of the commit the line, parsed as a comment line, re-runs. */
function rerunBy(line: string, atHead: NamedJob[]): NamedJob[] {
  const [parsed] = parseComment(line);
  if (!parsed?.ok) throw new Error(`${line}: ${parsed?.reason.message}`);
  const { command } = parsed.value;
  if (command.name !== "rerun" || command.which !== "named") throw new Error(`${line} names no job`);
  return atHead.filter(
    (r) =>
      (command.namespace === undefined || r.namespace === command.namespace) &&
      command.jobs.some((name) => namesJob(r, name)),
  );
}

describe("rerunLine", () => {
  const atHead = [
    named("lint"),
    named("unit", "Build and test"),
    named("build (linux, 20)"),
    named("build (mac, 20)"),
    named("squeezed", "build(linux,20)"),
    named("all-job", "all"),
    named("in-job", "In"),
    named("quoted", 'say "hi"'),
    named("other", "lint-ish"),
    // Its name is another job's key: the line names it by its own key.
    named("pretender", "unit"),
  ];

  it.each([
    ["lint", "/rerun lint"],
    ["unit", '/rerun "Build and test"'],
    ["build (linux, 20)", "/rerun build (linux, 20)"],
    ["squeezed", '/rerun "build(linux,20)"'],
    ["all-job", '/rerun "all"'],
    ["in-job", '/rerun "In"'],
    ["quoted", "/rerun quoted"],
    ["pretender", "/rerun pretender"],
  ])("writes %s as %s, which re-runs it alone", (key, line) => {
    const job = atHead.find((r) => r.jobKey === key)!;
    expect(rerunLine(job, atHead)).toBe(line);
    expect(rerunBy(line, atHead)).toEqual([job]);
  });

  it("names the namespace outside default, and default only when the commit ran elsewhere too", () => {
    const lab = [named("build"), named("build", "build", "arm-lab")];
    expect(rerunLine(lab[1]!, lab)).toBe("/rerun build in arm-lab");
    expect(rerunLine(lab[0]!, lab)).toBe("/rerun build in default");
    expect(rerunBy("/rerun build in arm-lab", lab)).toEqual([lab[1]]);
    expect(rerunBy("/rerun build in default", lab)).toEqual([lab[0]]);
    const onlyLab = [named("build", "build", "arm-lab")];
    expect(rerunLine(onlyLab[0]!, onlyLab)).toBe("/rerun build in arm-lab");
  });

  it("names a job plainly when another job answers to each of its names, re-running both", () => {
    // Two runs' jobs of one name: a command cannot name a workflow.
    const twoRuns = [named("test"), named("test")];
    expect(rerunLine(twoRuns[0]!, twoRuns)).toBe("/rerun test");
    // A job named after another job's id.
    const clash = [named("lint"), named("pretender", "lint")];
    expect(rerunLine(clash[0]!, clash)).toBe("/rerun lint");
    expect(rerunLine(clash[1]!, clash)).toBe("/rerun pretender");
  });
});
