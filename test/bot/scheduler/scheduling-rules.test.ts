/**
 * A namespace's priority rules and weights as operators write them, and the refusals they get.
 */
import { describe, expect, it } from "vitest";
import { parsePriorityRules, parseWeights, priorityOf, weightOf } from "../../../bot/scheduler/scheduling-rules.ts";

describe("priority rules", () => {
  it("matches repository, branch and workflow globs, first match wins", () => {
    const parsed = parsePriorityRules("acme/app:main=high, *:dependabot/*=low, acme/*:*:Nightly=low");
    expect(parsed.ok).toBe(true);
    const rules = parsed.ok ? parsed.value : [];
    const job = (repository: string, branch: string, workflow = "CI") =>
      priorityOf(rules, { repository, branch, workflow });
    expect(job("acme/app", "main")).toBe("high");
    expect(job("acme/app", "feature")).toBe("normal");
    expect(job("other/lib", "dependabot/npm_and_yarn/lodash-4.17.21")).toBe("low");
    expect(job("acme/web", "main", "Nightly")).toBe("low");
    expect(priorityOf([], { repository: "acme/app", branch: "main", workflow: "CI" })).toBe("normal");
  });

  it.each([
    ["acme/app=urgent", "the priority must be high, normal or low"],
    ["acme/app", "the priority must be high, normal or low"],
    ["a:b:c:d=high", "write REPOSITORY[:BRANCH[:WORKFLOW]]=PRIORITY"],
  ])("refuses %s", (text, reason) => {
    expect(parsePriorityRules(text)).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });
});

describe("weights", () => {
  it("gives the first matching weight, 1 when none matches", () => {
    const parsed = parseWeights("acme/big=0.5,acme/*=2");
    const rules = parsed.ok ? parsed.value : [];
    expect(weightOf(rules, "acme/big")).toBe(0.5);
    expect(weightOf(rules, "acme/app")).toBe(2);
    expect(weightOf(rules, "other/app")).toBe(1);
  });

  it.each(["acme/*=0", "acme/*=lots", "=2", "acme/*"])("refuses %s", (text) => {
    expect(parseWeights(text)).toEqual({ ok: false, reason: expect.stringContaining("REPOSITORY=WEIGHT") });
  });
});
