/**
 * Comment bodies → the command lines they give: each command and alias, and every trap a
 * Markdown comment sets (quotes, fenced and indented code, HTML comments, mid-line mentions,
 * paths and URLs, CRLF), several commands in order, and the replies to lines that are not
 * commands or carry arguments the command refuses.
 */
import { describe, expect, it } from "vitest";
import type { Command } from "../../../bot/commands/command.ts";
import { type ParsedLine, parseComment } from "../../../bot/commands/parse-comment.ts";

/** A command line expected to parse. */
function run(line: string, command: Command): ParsedLine {
  return { ok: true, value: { line, command } };
}

/** A command line expected to be refused, its message holding each fragment. */
function refused(line: string, ...fragments: string[]): { line: string; says: string[] } {
  return { line, says: fragments };
}

type Expected = ParsedLine | { line: string; says: string[] };

function check(body: string, expected: Expected[]): void {
  const parsed = parseComment(body);
  expect(parsed.map((p) => (p.ok ? p.value.line : p.reason.line))).toEqual(expected.map(lineOf));
  parsed.forEach((p, i) => {
    const want = expected[i]!;
    if ("says" in want) {
      expect(p.ok, `${want.line} is refused`).toBe(false);
      if (!p.ok) for (const fragment of want.says) expect(p.reason.message).toContain(fragment);
    } else {
      expect(p).toEqual(want);
    }
  });
}

function lineOf(e: Expected): string {
  if ("says" in e) return e.line;
  return e.ok ? e.value.line : e.reason.line;
}

type Rerun = Extract<Command, { name: "rerun" }>;
const FAILED: Rerun = { name: "rerun", which: "failed", jobs: [] };
const ALL: Rerun = { name: "rerun", which: "all", jobs: [] };
const named = (...jobs: string[]): Rerun => ({ name: "rerun", which: "named", jobs });
const RERUN_USAGE = "Usage: `/rerun`, `/rerun all`, `/rerun <job> [<job>…]`, `/rerun … in <namespace>`.";
const VALID = "The commands are `/rerun` or `/retest`, `/cancel`, `/ok-to-test`, `/help`.";

describe("each command", () => {
  it.each<[string, string, Expected[]]>([
    ["/rerun: what failed", "/rerun", [run("/rerun", FAILED)]],
    ["/retest: the alias", "/retest", [run("/retest", FAILED)]],
    ["/rerun all", "/rerun all", [run("/rerun all", ALL)]],
    ["/retest all", "/retest all", [run("/retest all", ALL)]],
    ["/rerun with a job id", "/rerun lint", [run("/rerun lint", named("lint"))]],
    ["/rerun with several jobs", "/rerun lint test", [run("/rerun lint test", named("lint", "test"))]],
    ["/rerun with a job named twice", "/rerun lint lint", [run("/rerun lint lint", named("lint"))]],
    [
      "/rerun with a matrix leg: parentheses, a comma and a space are one job",
      "/rerun build (linux, 20)",
      [run("/rerun build (linux, 20)", named("build (linux, 20)"))],
    ],
    [
      "/rerun with legs and jobs mixed",
      "/rerun build (linux, 20) build (macos, 22) lint",
      [run("/rerun build (linux, 20) build (macos, 22) lint", named("build (linux, 20)", "build (macos, 22)", "lint"))],
    ],
    [
      "a leg written without the space, or with extra ones, is named as GitHub names it",
      "/rerun build(linux,  20 )",
      [run("/rerun build(linux,  20 )", named("build (linux, 20)"))],
    ],
    [
      "a leg whose values hold parentheses",
      "/rerun test (node (lts), 20)",
      [run("/rerun test (node (lts), 20)", named("test (node (lts), 20)"))],
    ],
    [
      "a quoted name with spaces",
      '/rerun "Build and test" lint',
      [run('/rerun "Build and test" lint', named("Build and test", "lint"))],
    ],
    [
      "a quoted name with a leg",
      '/rerun "Build and test" (linux, 20)',
      [run('/rerun "Build and test" (linux, 20)', named("Build and test (linux, 20)"))],
    ],
    [
      "a check run name copied with its namespace suffix",
      "/rerun build (linux, 20) [arm-lab]",
      [run("/rerun build (linux, 20) [arm-lab]", named("build (linux, 20) [arm-lab]"))],
    ],
    ['a job called "all" in quotes', '/rerun "all"', [run('/rerun "all"', named("all"))]],
    ['a job called "in" in quotes', '/rerun "in"', [run('/rerun "in"', named("in"))]],
    ["/rerun in <namespace>", "/rerun in arm-lab", [run("/rerun in arm-lab", { ...FAILED, namespace: "arm-lab" })]],
    [
      "/rerun all in <namespace>",
      "/rerun all in arm-lab",
      [run("/rerun all in arm-lab", { ...ALL, namespace: "arm-lab" })],
    ],
    [
      "/rerun <leg> in <namespace>",
      "/rerun build (linux, 20) in gpu_lab",
      [run("/rerun build (linux, 20) in gpu_lab", { ...named("build (linux, 20)"), namespace: "gpu_lab" })],
    ],
    ["/cancel", "/cancel", [run("/cancel", { name: "cancel" })]],
    [
      "/cancel in <namespace>",
      "/cancel in arm-lab",
      [run("/cancel in arm-lab", { name: "cancel", namespace: "arm-lab" })],
    ],
    ["/ok-to-test", "/ok-to-test", [run("/ok-to-test", { name: "ok-to-test" })]],
    ["/help", "/help", [run("/help", { name: "help" })]],
    [
      "names and keywords in any case",
      "/ReRun ALL In arm-lab",
      [run("/ReRun ALL In arm-lab", { ...ALL, namespace: "arm-lab" })],
    ],
    ["trailing spaces and a tab between words", "/rerun\tall   ", [run("/rerun\tall", ALL)]],
  ])("%s", (_title, body, expected) => check(body, expected));
});

describe("lines that are not commands", () => {
  it.each<[string, string]>([
    ["an empty comment", ""],
    ["prose", "LGTM, thanks!"],
    ["a quoted command", "> /rerun"],
    ["a quoted command with spaces", "   >   /rerun all"],
    ["a command in a nested quote", "> > /cancel"],
    ["a command in a ``` fence", "```\n/rerun\n```"],
    ["a command in a ``` fence with an info string", "```sh\n/rerun all\n```"],
    ["a command in a ~~~ fence", "~~~\n/cancel\n~~~"],
    ["a command in a ~~~ fence with an info string", "~~~ text\n/cancel\n~~~"],
    ["a command in a longer fence that a shorter one does not close", "````\n```\n/rerun\n````"],
    ["a ~~~ fence is not closed by ```", "~~~\n```\n/rerun\n~~~"],
    ["a fence indented by up to 3 spaces", "   ```\n/rerun\n   ```"],
    ["an unclosed fence runs to the end", "text\n```\n/rerun\n\n/cancel"],
    ["indented code: 4 spaces", "    /rerun"],
    ["indented code: a tab", "\t/rerun"],
    ["an HTML comment", "<!--\n/rerun\n-->"],
    ["a one-line HTML comment", "<!-- /rerun -->"],
    ["a mid-line mention", "please /rerun this"],
    ["inline code", "try `/rerun`"],
    ["a list item", "- /rerun"],
    ["an escaped slash", "\\/rerun"],
    ["a path", "/path/to/file"],
    ["a URL", "https://example.com/rerun"],
    ["a protocol-relative URL", "//example.com/rerun"],
    ["a slash alone", "/"],
    ["a command word followed by punctuation", "/rerun, please"],
    ["a bare slash and a word after a space", "/ rerun"],
  ])("%s", (_title, body) => expect(parseComment(body)).toEqual([]));
});

describe("around the traps", () => {
  it.each<[string, string, Expected[]]>([
    ["CRLF line endings", "Thanks!\r\n/rerun all\r\n", [run("/rerun all", ALL)]],
    ["old Mac line endings", "Thanks!\r/cancel\r", [run("/cancel", { name: "cancel" })]],
    ["up to 3 spaces before a command", "   /rerun", [run("/rerun", FAILED)]],
    [
      "several command lines run in order",
      "/rerun lint\nsome prose\n/cancel in arm-lab\n/help",
      [
        run("/rerun lint", named("lint")),
        run("/cancel in arm-lab", { name: "cancel", namespace: "arm-lab" }),
        run("/help", { name: "help" }),
      ],
    ],
    ["a command after a closed fence", "```\n/rerun\n```\n/cancel", [run("/cancel", { name: "cancel" })]],
    [
      "a command after a closed ~~~ fence, CRLF",
      "~~~\r\n/rerun\r\n~~~\r\n/cancel\r\n",
      [run("/cancel", { name: "cancel" })],
    ],
    [
      "a closing fence may be longer and have trailing spaces",
      "```\n/rerun\n`````  \n/help",
      [run("/help", { name: "help" })],
    ],
    ["a line of inline code is not a fence", "```x```\n/help", [run("/help", { name: "help" })]],
    ["a command after an HTML comment", "<!-- template -->\n/ok-to-test", [run("/ok-to-test", { name: "ok-to-test" })]],
    ["a command after a quote", "> /rerun\n\n/cancel", [run("/cancel", { name: "cancel" })]],
    ["a line typed under a quote is the writer's own", "> can you re-run?\n/rerun", [run("/rerun", FAILED)]],
    ["a fence inside a quote ends with it", "> ```\n/help", [run("/help", { name: "help" })]],
  ])("%s", (_title, body, expected) => check(body, expected));
});

describe("replies to lines that are not commands", () => {
  it.each<[string, string, Expected[]]>([
    ["an unknown command lists the valid ones", "/lgtm", [refused("/lgtm", "`/lgtm` is not a command.", VALID)]],
    [
      "a line that begins with `/word ` is a command attempt, even a path in prose",
      "/tmp is full",
      [refused("/tmp is full", "`/tmp` is not a command.")],
    ],
    ["an unknown command with arguments", "/assign @octocat", [refused("/assign @octocat", "`/assign`", VALID)]],
    [
      "an unknown command between two good ones, in order",
      "/rerun\n/retset\n/help",
      [run("/rerun", FAILED), refused("/retset", "`/retset` is not a command."), run("/help", { name: "help" })],
    ],
    [
      "/ok-to-test takes no arguments",
      "/ok-to-test now",
      [refused("/ok-to-test now", "takes no arguments", "Usage: `/ok-to-test`.")],
    ],
    ["/help takes no arguments", "/help me", [refused("/help me", "takes no arguments", "Usage: `/help`.")]],
    [
      "/cancel takes only a namespace",
      "/cancel build",
      [refused("/cancel build", "takes only `in <namespace>`", "Usage: `/cancel`, `/cancel in <namespace>`.")],
    ],
    ["all with jobs", "/rerun all lint", [refused("/rerun all lint", "`all` re-runs every job", RERUN_USAGE)]],
    ["in without a namespace", "/rerun in", [refused("/rerun in", "`in` needs a namespace", RERUN_USAGE)]],
    [
      "in before the jobs",
      "/rerun in arm-lab lint",
      [refused("/rerun in arm-lab lint", "ends the command", RERUN_USAGE)],
    ],
    ["two namespaces", "/rerun lint in a in b", [refused("/rerun lint in a in b", "ends the command")]],
    [
      "a namespace that cannot be one",
      "/rerun in arm.lab",
      [refused("/rerun in arm.lab", "`arm.lab` is not a namespace name")],
    ],
    ["a quoted namespace", '/cancel in "arm lab"', [refused('/cancel in "arm lab"', "is not a namespace name")]],
    [
      "an unclosed parenthesis",
      "/rerun build (linux, 20",
      [refused("/rerun build (linux, 20", "a `(` is not closed", RERUN_USAGE)],
    ],
    ["a parenthesis that closes nothing", "/rerun build)", [refused("/rerun build)", "a `)` closes nothing")]],
    ["a leg with no job name", "/rerun (linux, 20)", [refused("/rerun (linux, 20)", "needs a job name before it")]],
    ["an unclosed quote", '/rerun "Build and test', [refused('/rerun "Build and test', 'a `"` is not closed')]],
    ["an empty quoted name", '/rerun ""', [refused('/rerun ""', "names no job")]],
    ["a quote inside a word", '/rerun build"x"', [refused('/rerun build"x"', "quote a whole name")]],
    [
      "the alias is named in its error",
      "/retest in",
      [refused("/retest in", "`/retest`: `in` needs a namespace", RERUN_USAGE)],
    ],
  ])("%s", (_title, body, expected) => check(body, expected));
});
