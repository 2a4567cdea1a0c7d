/**
 * A pull-request comment → the commands it gives, in the order written, each with its line so
 * the reply can quote it. A line that looks like a command and is not one (an unknown word,
 * arguments the command refuses) is answered with what would have worked rather than ignored:
 * the writer meant to steer CI.
 */
import { fail, ok, type Result } from "../../protocol/result.ts";
import type { Command } from "./command.ts";
import { commandLines } from "./command-lines.ts";
import { COMMANDS, findCommand, usage } from "./registry.ts";

export type ParsedLine = Result<{ line: string; command: Command }, { line: string; message: string }>;

function parseLine(line: string): ParsedLine {
  const [, word = "", args = ""] = /^\/([A-Za-z0-9-]+)(.*)$/.exec(line) ?? [];
  const spec = findCommand(word);
  if (!spec) {
    const valid = COMMANDS.map((c) => [c.name, ...c.aliases].map((n) => `\`/${n}\``).join(" or "));
    return fail({ line, message: `\`/${word}\` is not a command. The commands are ${valid.join(", ")}.` });
  }
  const read = spec.read(args);
  if (!read.ok) return fail({ line, message: `\`/${word}\`: ${read.reason}. Usage: ${usage(spec)}.` });
  return ok({ line, command: read.value });
}

/** Every command line of a comment body, parsed, in order; an empty list when it has none. */
export function parseComment(body: string): ParsedLine[] {
  return commandLines(body).map(parseLine);
}
