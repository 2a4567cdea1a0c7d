/**
 * Which repositories a namespace follows (its `follows` globs).
 */
import { describe, expect, it } from "vitest";
import { followsRepository } from "../../../bot/fleet/namespace-follows.ts";

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
});
