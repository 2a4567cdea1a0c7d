/** The files a step writes to talk to the runner (GITHUB_OUTPUT, GITHUB_ENV…), read as GitHub reads them. */
import { describe, expect, it } from "vitest";
import { parseKeyValueFile, StepFileError } from "../../../runner/step/step-files.ts";

describe("GITHUB_OUTPUT / GITHUB_ENV files", () => {
  it("reads name=value and name<<DELIMITER blocks the way GitHub does", () => {
    expect(parseKeyValueFile("a=1\n\nb=x=y\nmulti<<EOF\nl1\n\nl3\nEOF\nc<<d=e\nv\nd=e\n", "GITHUB_OUTPUT")).toEqual({
      a: "1",
      b: "x=y",
      multi: "l1\n\nl3",
      c: "v",
    });
  });

  it.each([
    ["=v", /name is empty/],
    ["novalue", /invalid line/],
    ["x<<EOF\nno end", /matching delimiter "EOF" not found/],
  ])("refuses %j", (text, message) => {
    expect(() => parseKeyValueFile(text, "GITHUB_ENV")).toThrow(StepFileError);
    expect(() => parseKeyValueFile(text, "GITHUB_ENV")).toThrow(message);
  });
});
