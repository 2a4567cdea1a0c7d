/**
 * The expressions shared by bot and runner (protocol/expressions), as tables: templates,
 * evaluation with extra functions and unknown contexts, rendering, truthiness, `if:`.
 */
import { describe, expect, it } from "vitest";
import {
  conditionExpression,
  evaluate,
  evaluateCondition,
  evaluateTemplate,
  ExpressionError,
  interpolate,
  isTruthy,
  renderValue,
  splitTemplate,
  statusFunctions,
  UnknownContext,
  type StatusState,
} from "../../protocol/expressions/index.ts";

const contexts = { github: { sha: "abc", event: { n: 3, list: [1, 2] } }, env: { A: "x" }, matrix: null, steps: {} };

describe("templates", () => {
  it.each([
    [
      "a ${{ x }} b",
      [
        { kind: "text", text: "a " },
        { kind: "expression", expression: "x" },
        { kind: "text", text: " b" },
      ],
    ],
    [
      "${{ 'a}}b' }}${{y}}",
      [
        { kind: "expression", expression: "'a}}b'" },
        { kind: "expression", expression: "y" },
      ],
    ],
    ["plain", [{ kind: "text", text: "plain" }]],
    ["", []],
  ])("splitTemplate(%j)", (template, parts) => {
    expect(splitTemplate(template)).toEqual(parts);
  });

  it("refuses an unclosed ${{ with GitHub's message", () => {
    expect(() => splitTemplate("a ${{ b")).toThrow(ExpressionError);
    expect(() => splitTemplate("${{ 'b }}")).toThrow(
      "The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found.",
    );
  });

  it.each([
    ["a-${{ github.sha }}-b", "a-abc-b"],
    ["${{ 1.50 }} ${{ 0 }} ${{ -2 }}", "1.5 0 -2"],
    ["${{ true }}/${{ false }}/[${{ null }}]/[${{ matrix.nope }}]/[${{ }}]", "true/false/[]/[]/[]"],
    ["${{ github.event.list }}", "[\n  1,\n  2\n]"],
    ["${{ 'a}}b' }}", "a}}b"],
    ["${{ 'it''s' }}", "it's"],
    ["${{ ENV.a }}", "x"],
    ["${{ github.event.list[1] }} ${{ github['sha'] }}", "2 abc"],
    ["no template", "no template"],
  ])("interpolate(%j) → %j", (template, expected) => {
    expect(interpolate(template, contexts)).toBe(expected);
  });

  it.each([
    ["${{ github.event.list }}", [1, 2]],
    [" ${{ github.event.n }}", " 3"],
    ["${{ github.event.n }}", 3],
    ["n=${{ github.event }}", 'n={\n  "n": 3,\n  "list": [\n    1,\n    2\n  ]\n}'],
  ])("evaluateTemplate(%j) keeps the type of a lone expression", (template, expected) => {
    expect(evaluateTemplate(template, contexts)).toEqual(expected);
  });

  it.each([
    ["s", "s"],
    [1.5, "1.5"],
    [0.1 + 0.2, "0.3"],
    [true, "true"],
    [null, ""],
    [undefined, ""],
    [[1], "[\n  1\n]"],
    [{ a: 1 }, '{\n  "a": 1\n}'],
  ])("renderValue(%j) → %j", (value, expected) => {
    expect(renderValue(value)).toBe(expected);
  });
});

describe("evaluate", () => {
  it("returns plain values and reports errors as ExpressionError with GitHub's message", () => {
    expect(evaluate("github.event", contexts)).toEqual({ n: 3, list: [1, 2] });
    expect(evaluate("fromJSON('{\"a\":[true]}')", contexts)).toEqual({ a: [true] });
    expect(evaluate("", contexts)).toBeNull();
    expect(() => evaluate("github.sha ==", contexts)).toThrow("Unexpected end of expression: '=='");
    expect(() => evaluate("nope.x", contexts)).toThrow("Unrecognized named-value: 'nope'");
    expect(() => evaluate("nope()", contexts)).toThrow(ExpressionError);
  });

  it("calls extra functions on plain values, by any case", () => {
    const functions = { twice: { minArgs: 1, maxArgs: 1, call: (value: unknown) => [value, value] as never } };
    expect(evaluate("TWICE(github.event.n)", contexts, functions)).toEqual([3, 3]);
    expect(() => evaluate("twice()", contexts, functions)).toThrow(ExpressionError);
  });

  it.each([
    ["github.sha", true],
    ["format('{0}', GitHub.sha)", true],
    ["steps.github", false],
    ["github.sha ==", true],
    ["env.A", false],
  ])("with github unknown, %j throws UnknownContext: %s", (expression, unknown) => {
    const run = () => evaluate(expression, { ...contexts, github: {} }, {}, new Set(["github"]));
    if (unknown) expect(run).toThrow(UnknownContext);
    else expect(run).not.toThrow();
  });

  it.each([
    [null, false],
    ["", false],
    [0, false],
    [Number.NaN, false],
    ["0", true],
    [[], true],
    [{}, true],
    [1, true],
  ])("isTruthy(%j) = %s", (value, expected) => {
    expect(isTruthy(value)).toBe(expected);
  });
});

describe("if:", () => {
  it.each([
    [undefined, "success()"],
    ["", "success()"],
    ["github.sha == 'abc'", "success() && (github.sha == 'abc')"],
    ["${{ github.sha == 'abc' }}", "success() && (github.sha == 'abc')"],
    ["${{ always() }}", "always()"],
    ["Failure() || github.sha == 'x'", "Failure() || github.sha == 'x'"],
    ["contains(github.sha, 'success()')", "success() && (contains(github.sha, 'success()'))"],
  ])("%j → %s", (condition, expected) => {
    expect(conditionExpression(condition)).toBe(expected);
  });

  const ok: StatusState = { success: true, failure: false, cancelled: false };
  const failed: StatusState = { success: false, failure: true, cancelled: false };
  it.each<[string | undefined, StatusState, boolean]>([
    [undefined, ok, true],
    [undefined, failed, false],
    ["always()", { success: false, failure: true, cancelled: true }, true],
    ["failure()", failed, true],
    ["cancelled()", { ...failed, cancelled: true }, true],
    ["github.sha == 'abc'", ok, true],
    ["github.sha == 'abc'", failed, false],
    // Text around `${{ }}`: the rendered string is tested ("false == x" is non-empty, so true).
    ["${{ false }} == x", ok, true],
    ["${{ false }} == x", failed, false],
  ])("if %j with %j → %s", (condition, state, expected) => {
    const functions = statusFunctions(() => state);
    expect(evaluateCondition(condition, contexts, functions)).toBe(expected);
  });

  it("reports a broken condition as ExpressionError (read as `success() && (…)`)", () => {
    expect(() =>
      evaluateCondition(
        "github.sha ==",
        contexts,
        statusFunctions(() => ok),
      ),
    ).toThrow(ExpressionError);
    expect(() =>
      evaluateCondition(
        "github.sha ==",
        contexts,
        statusFunctions(() => ok),
      ),
    ).toThrow("Unexpected symbol: ')'");
  });
});
