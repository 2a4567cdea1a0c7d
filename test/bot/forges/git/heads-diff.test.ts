/**
 * What a poll starts: each new or moved head of a followed branch (the default branch unless
 * globs are given); a deleted branch or an unchanged head starts nothing; a force-push is a
 * moved head and runs.
 */
import { describe, expect, it } from "vitest";
import { branchFollowed, newHeads } from "../../../../bot/forges/git/heads-diff.ts";
import { parseLsRemote } from "../../../../bot/forges/git/ls-remote.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

describe("branchFollowed", () => {
  it.each([
    ["main", [], "main", true],
    ["dev", [], "main", false],
    ["main", [], undefined, false],
    ["release/1.0", ["main", "release/*"], "main", true],
    ["release/1.0/hotfix", ["release/*"], "main", false],
    ["release/1.0/hotfix", ["release/**"], "main", true],
    ["main", ["release/*"], "main", false],
    ["feature/x", ["*", "feature/**", "!feature/x"], "main", false],
  ] as const)("%s with %j (default %s) → %s", (branch, globs, defaultBranch, expected) => {
    expect(branchFollowed(branch, globs, defaultBranch)).toBe(expected);
  });
});

describe("newHeads", () => {
  it("finds new and moved heads of followed branches, and nothing for deleted or unchanged ones", () => {
    const seen = { "refs/heads/main": A, "refs/heads/gone": A, "refs/heads/same": B };
    const now = { "refs/heads/main": B, "refs/heads/same": B, "refs/heads/new": C, "refs/heads/other": C };
    expect(newHeads(seen, now, ["main", "new", "same", "gone"], "main")).toEqual([
      { ref: "refs/heads/main", branch: "main", before: A, after: B },
      { ref: "refs/heads/new", branch: "new", after: C },
    ]);
  });

  it("takes the default branch alone when no globs are given, and everything on a first poll", () => {
    const now = { "refs/heads/main": A, "refs/heads/dev": B };
    expect(newHeads({}, now, [], "main")).toEqual([{ ref: "refs/heads/main", branch: "main", after: A }]);
    expect(newHeads({}, now, ["*"], "main").map((p) => p.branch)).toEqual(["dev", "main"]);
  });

  it("treats a force-push (a head that went elsewhere) as a moved head", () => {
    expect(newHeads({ "refs/heads/main": B }, { "refs/heads/main": A }, [], "main")).toEqual([
      { ref: "refs/heads/main", branch: "main", before: B, after: A },
    ]);
  });
});

describe("parseLsRemote", () => {
  it("reads the heads and the default branch of `git ls-remote --symref`", () => {
    const output = `ref: refs/heads/trunk\tHEAD\n${A}\tHEAD\n${A}\trefs/heads/trunk\n${B}\trefs/heads/release/1\n`;
    expect(parseLsRemote(output)).toEqual({
      heads: { "refs/heads/trunk": A, "refs/heads/release/1": B },
      defaultBranch: "trunk",
    });
    expect(parseLsRemote("")).toEqual({ heads: {} });
  });
});
