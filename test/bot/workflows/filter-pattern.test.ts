import { describe, expect, it } from "vitest";
import { matchesFilters } from "../../../bot/workflows/filter-pattern.ts";

describe("matchesFilters", () => {
  it("matches filter patterns with *, **, ! in order", () => {
    expect(matchesFilters("feature/a", ["feature/*"])).toBe(true);
    expect(matchesFilters("feature/a/b", ["feature/*"])).toBe(false);
    expect(matchesFilters("feature/a/b", ["feature/**"])).toBe(true);
    expect(matchesFilters("release/beta", ["release/**", "!release/beta"])).toBe(false);
    expect(matchesFilters("v1.2.3", ["v[0-9]+.*"])).toBe(true);
  });
});
