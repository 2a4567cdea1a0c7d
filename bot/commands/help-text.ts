/**
 * The `/help` reply, made from the registry so it cannot drift from what the bot parses; the
 * same table is in docs/commands.md, and a test holds the two equal.
 */
import type { Steerers } from "../forges/forge.ts";
import { STEERING_PERMISSIONS } from "./command.ts";
import { COMMANDS, type CommandSpec } from "./registry.ts";

/** "`a`, `b` or `c`". */
function either(words: string[]): string {
  const quoted = words.map((w) => `\`${w}\``);
  return quoted.length < 2 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/** GitHub's words for who may steer (each forge says its own, Forge.steerers). */
const GITHUB_STEERERS: Steerers = { levels: [...STEERING_PERMISSIONS], noun: "permission" };

function rows(commands: readonly CommandSpec[], steerers: Steerers): string[][] {
  return commands.flatMap((spec) =>
    spec.forms.map((form, i) => {
      const aliases =
        i === 0 && spec.aliases.length > 0 ? ` (alias ${spec.aliases.map((a) => `\`/${a}\``).join(", ")})` : "";
      const command = `\`/${spec.name}${form.args ? ` ${form.args}` : ""}\`${aliases}`;
      return [command, form.does, spec.who === "anyone" ? "anyone" : either(steerers.levels)];
    }),
  );
}

/** The commands as a Markdown table (command, what it does, who may run it), laid out as Biome formats it. */
export function commandTable(commands: readonly CommandSpec[] = COMMANDS, steerers = GITHUB_STEERERS): string {
  const table = [["command", "what it does", "who may run it"], ...rows(commands, steerers)].map((r) =>
    r.map((cell) => cell.replaceAll("|", "\\|")),
  );
  const widths = table[0]!.map((_, col) => Math.max(3, ...table.map((r) => r[col]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, col) => c.padEnd(widths[col]!)).join(" | ")} |`;
  return [line(table[0]!), line(widths.map((w) => "-".repeat(w))), ...table.slice(1).map(line)].join("\n");
}

/** The whole `/help` reply: the table, then who may run what. */
export function helpText(commands: readonly CommandSpec[] = COMMANDS, steerers = GITHUB_STEERERS): string {
  const open = either(commands.filter((c) => c.who === "anyone").map((c) => `/${c.name}`));
  const who =
    `Anyone may run ${open}; the other commands need ${either(steerers.levels)} ${steerers.noun} on this repository. ` +
    "A command is a line of its own that begins with it; quoted lines and code blocks do nothing.";
  return `${commandTable(commands, steerers)}\n\n${who}\n`;
}
