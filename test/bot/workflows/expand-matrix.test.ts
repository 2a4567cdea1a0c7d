import { describe, expect, it } from "vitest";
import { expandMatrix } from "../../../bot/workflows/expand-matrix.ts";

describe("expandMatrix: GitHub's documented order", () => {
  it.each([
    [
      "3×2 with one exclude → 5 legs",
      { os: ["ubuntu", "macos", "windows"], node: [18, 20], exclude: [{ os: "windows", node: 18 }] },
      [
        { os: "ubuntu", node: 18 },
        { os: "ubuntu", node: 20 },
        { os: "macos", node: 18 },
        { os: "macos", node: 20 },
        { os: "windows", node: 20 },
      ],
    ],
    [
      "a partial exclude removes every leg it matches",
      { os: ["a", "b"], node: [1, 2], exclude: [{ os: "a" }] },
      [
        { os: "b", node: 1 },
        { os: "b", node: 2 },
      ],
    ],
    // The docs' fruit/animal example, verbatim.
    [
      "include extends matching legs, overwrites only added values, and adds the rest",
      {
        fruit: ["apple", "pear"],
        animal: ["cat", "dog"],
        include: [
          { color: "green" },
          { color: "pink", animal: "cat" },
          { fruit: "apple", shape: "circle" },
          { fruit: "banana" },
          { fruit: "banana", animal: "cat" },
        ],
      },
      [
        { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
        { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
        { fruit: "pear", animal: "cat", color: "pink" },
        { fruit: "pear", animal: "dog", color: "green" },
        { fruit: "banana" },
        { fruit: "banana", animal: "cat" },
      ],
    ],
    [
      "only include: each entry is a leg",
      { include: [{ os: "a", x: 1 }, { os: "b" }] },
      [{ os: "a", x: 1 }, { os: "b" }],
    ],
    [
      "list values stay lists",
      {
        plat: [
          ["ubuntu", "x86_64"],
          ["macos", "arm64"],
        ],
        py: ["cp312"],
      },
      [
        { plat: ["ubuntu", "x86_64"], py: "cp312" },
        { plat: ["macos", "arm64"], py: "cp312" },
      ],
    ],
  ])("%s", (_what, matrix, legs) => {
    expect(expandMatrix(matrix)).toEqual({ ok: true, value: legs });
  });

  it("refuses an empty vector and more than 256 legs", () => {
    expect(expandMatrix({ os: [] })).toEqual({ ok: false, reason: "Matrix vector 'os' does not contain any values" });
    expect(expandMatrix({ a: [...Array(16).keys()], b: [...Array(17).keys()] })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/272 jobs.*256/),
    });
  });
});
