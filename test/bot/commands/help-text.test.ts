/**
 * The `/help` reply: a row per way of writing each registered command, who may run it, and a
 * line on permissions — all from the registry the parser reads, so every form it documents
 * parses and every command it parses is documented.
 */
import { describe, expect, it } from "vitest";
import { commandTable, helpText } from "../../../bot/commands/help-text.ts";
import { parseComment } from "../../../bot/commands/parse-comment.ts";
import { COMMANDS, type CommandSpec } from "../../../bot/commands/registry.ts";

function cells(table: string): string[][] {
  return table.split("\n").map((row) =>
    row
      .slice(1, -1)
      .split(" | ")
      .map((c) => c.trim()),
  );
}

describe("helpText", () => {
  it("is the commands table, then who may run what", () => {
    const text = helpText();
    expect(text.startsWith(`${commandTable()}\n\n`)).toBe(true);
    expect(text).toContain(
      "Anyone may run `/help`; the other commands need `write`, `maintain` or `admin` permission on this repository.",
    );
  });

  it("has a row per form of each command, with what it does and who may run it", () => {
    const [header, rule, ...rows] = cells(commandTable());
    expect(header).toEqual(["command", "what it does", "who may run it"]);
    expect(rule!.every((c) => /^-{3,}$/.test(c))).toBe(true);
    expect(rows.map((r) => [r[0], r[2]])).toEqual([
      ["`/rerun` (alias `/retest`)", "`write`, `maintain` or `admin`"],
      ["`/rerun all`", "`write`, `maintain` or `admin`"],
      ["`/rerun <job> [<job>…]`", "`write`, `maintain` or `admin`"],
      ["`/rerun … in <namespace>`", "`write`, `maintain` or `admin`"],
      ["`/cancel`", "`write`, `maintain` or `admin`"],
      ["`/cancel in <namespace>`", "`write`, `maintain` or `admin`"],
      ["`/ok-to-test`", "`write`, `maintain` or `admin`"],
      ["`/help`", "anyone"],
    ]);
    expect(rows.find((r) => r[0] === "`/rerun all`")![1]).toBe("re-run every job of the head commit");
  });

  it("pads every column to one width, as Biome lays out Markdown tables", () => {
    const lines = commandTable().split("\n");
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it("escapes a | inside a cell", () => {
    const spec: CommandSpec = { ...COMMANDS[3]!, forms: [{ args: "", does: "a | b" }] };
    expect(commandTable([spec])).toContain("a \\| b");
  });

  it("documents only forms the parser accepts", () => {
    for (const spec of COMMANDS) {
      for (const form of spec.forms) {
        const args = form.args
          .replace("… ", "")
          .replace("<job> [<job>…]", "lint test")
          .replace("<namespace>", "arm-lab");
        const [parsed] = parseComment(`/${spec.name}${args ? ` ${args}` : ""}`);
        expect(parsed?.ok, `/${spec.name} ${form.args}`).toBe(true);
        for (const alias of spec.aliases) expect(parseComment(`/${alias} ${args}`)[0]?.ok).toBe(true);
      }
    }
  });
});
