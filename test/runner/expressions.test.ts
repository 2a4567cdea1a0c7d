/**
 * The pieces under the step runner, as tables: step `if` bound to the job's status, step
 * files, workflow command lines, globs. The expressions themselves are shared with the bot
 * and tested in test/protocol/expressions.test.ts.
 */
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateCondition, ExpressionError, interpolate } from "../../protocol/expressions/index.ts";
import { globFiles } from "../../runner/expressions/glob.ts";
import { statusFunctions, type JobStatus } from "../../runner/expressions/status-functions.ts";
import { parseKeyValueFile, StepFileError } from "../../runner/step/step-files.ts";
import { parseCommand } from "../../runner/step/workflow-commands.ts";

const contexts = { github: { sha: "abc", event: { n: 3, list: [1, 2] } }, env: { A: "x" }, matrix: null, steps: {} };

describe("step if, bound to the job's status", () => {
  it.each<[string | undefined, JobStatus, boolean]>([
    [undefined, "success", true],
    [undefined, "failure", false],
    ["always()", "cancelled", true],
    ["failure()", "failure", true],
    ["failure()", "cancelled", false],
    ["cancelled()", "cancelled", true],
    ["github.sha == 'abc'", "failure", false],
    ["${{ job.status == 'success' }}", "success", true],
  ])("if %j when the job is %s → %s", (condition, status, expected) => {
    const scope = { ...contexts, job: { status } };
    expect(evaluateCondition(condition, scope, statusFunctions(() => status))).toBe(expected);
  });

  it("refuses an unclosed template in a step field", () => {
    expect(() => interpolate("${{ github.sha", contexts)).toThrow(ExpressionError);
  });
});

describe("GITHUB_OUTPUT / GITHUB_ENV files", () => {
  it("reads name=value and name<<DELIMITER blocks the way GitHub does", () => {
    expect(parseKeyValueFile("a=1\n\nb=x=y\nmulti<<EOF\nl1\n\nl3\nEOF\nc<<d=e\nv\nd=e\n", "GITHUB_OUTPUT")).toEqual({ a: "1", b: "x=y", multi: "l1\n\nl3", c: "v" });
  });

  it.each([["=v", /name is empty/], ["novalue", /invalid line/], ["x<<EOF\nno end", /matching delimiter "EOF" not found/]])("refuses %j", (text, message) => {
    expect(() => parseKeyValueFile(text, "GITHUB_ENV")).toThrow(StepFileError);
    expect(() => parseKeyValueFile(text, "GITHUB_ENV")).toThrow(message);
  });
});

describe("workflow command lines", () => {
  it.each([
    ["::error file=a.js,line=3::boom", { name: "error", properties: { file: "a.js", line: "3" }, data: "boom" }],
    ["  ::group::Build %25 done", { name: "group", properties: {}, data: "Build % done" }],
    ["::warning title=a%3Ab%2Cc%0Ad::x%0Ay%3A", { name: "warning", properties: { title: "a:b,c\nd" }, data: "x\ny%3A" }],
    ["::endgroup::", { name: "endgroup", properties: {}, data: "" }],
  ])("%s", (line, expected) => {
    expect(parseCommand(line)).toEqual(expected);
  });

  it.each(["plain text", ":: not a command", "::error no end", "echo ::error::x"])("leaves %j alone", (line) => {
    expect(parseCommand(line)).toBeUndefined();
  });
});

describe("hashFiles globs", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "flotilla-glob-"));
    for (const file of ["package-lock.json", "a/package-lock.json", "a/b/c/package-lock.json", "a/b/x.txt", ".hidden/y.txt"]) {
      await mkdir(join(root, file, ".."), { recursive: true });
      await writeFile(join(root, file), file);
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    [["**/package-lock.json"], ["a/b/c/package-lock.json", "a/package-lock.json", "package-lock.json"]],
    [["**/package-lock.json", "!a/b/**"], ["a/package-lock.json", "package-lock.json"]],
    [["a/b"], ["a/b/c/package-lock.json", "a/b/x.txt"]],
    [["a/*/x.txt", "./.hidden/*.txt"], [".hidden/y.txt", "a/b/x.txt"]],
    [["nothing/**"], []],
    [["!a/**"], []],
  ])("%j", async (patterns, expected) => {
    expect(await globFiles(root, patterns)).toEqual(expected);
  });
});
