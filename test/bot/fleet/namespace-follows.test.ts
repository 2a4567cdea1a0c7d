/**
 * Which repositories a namespace follows (its `follows` globs).
 */
import { describe, expect, it } from "vitest";
import { FOLLOW_PATTERN, followsRepository } from "../../../bot/fleet/namespace-follows.ts";

describe("namespace follows", () => {
  it("follows every repository with an empty list", () => {
    expect(followsRepository([], "anyone/anything")).toBe(true);
  });

  it("matches owner/* within one path segment, case-insensitively, the last pattern deciding", () => {
    expect(followsRepository(["acme/*"], "ACME/Widgets")).toBe(true);
    expect(followsRepository(["acme/*"], "other/widgets")).toBe(false);
    expect(followsRepository(["Acme/Widgets", "x/y"], "acme/widgets")).toBe(true);
    expect(followsRepository(["*/docs"], "acme/docs")).toBe(true);
    expect(followsRepository(["acme/*", "!acme/secret"], "acme/secret")).toBe(false);
    expect(followsRepository(["acme/*", "!acme/secret"], "acme/public")).toBe(true);
  });

  it("names GitLab projects with their host and groups, apart from GitHub's of the same path", () => {
    const gitlab = "gitlab.example.com/acme/tools/widgets";
    expect(followsRepository(["gitlab.example.com/acme/**"], gitlab)).toBe(true);
    expect(followsRepository(["gitlab.example.com/acme/*"], gitlab)).toBe(false);
    expect(followsRepository(["acme/*"], "gitlab.example.com/acme/widgets")).toBe(false);
    expect(followsRepository(["gitlab.example.com/acme/*"], "acme/widgets")).toBe(false);
    expect(
      ["gitlab.example.com/acme/*", "acme/*", "!gitlab.example.com/acme/x"].every((p) => FOLLOW_PATTERN.test(p)),
    ).toBe(true);
    expect(FOLLOW_PATTERN.test("just-an-owner")).toBe(false);
  });
});
