/**
 * The one table of slash commands. Parsing a comment, the usage in an error reply, `/help` and
 * docs/commands.md all read it, so a command cannot be understood by the bot and missing from
 * its help, or documented with arguments the bot refuses (Prow registers help with each
 * plugin for the same reason).
 */
import type { Result } from "../../protocol/result.ts";
import type { Command } from "./command.ts";
import { readCancel, readNothing, readRerun } from "./read-arguments.ts";

export interface CommandSpec {
  /** The word after `/`, and the command's name once parsed. */
  name: Command["name"];
  /** Other words that mean the same command. */
  aliases: readonly string[];
  /** Each way to write it: the arguments after the name as a user writes them, and what it does. */
  forms: readonly { args: string; does: string }[];
  /** `steering`: only users with a permission in STEERING_PERMISSIONS; `anyone`: every commenter. */
  who: "anyone" | "steering";
  /** Reads the text after the name; a failure says what is wrong, without the usage. */
  read: (args: string) => Result<Command>;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "rerun",
    aliases: ["retest"],
    forms: [
      {
        args: "",
        does: "re-run the jobs of the head commit that failed, were cancelled, timed out, were lost or never ran",
      },
      { args: "all", does: "re-run every job of the head commit" },
      {
        args: "<job> [<job>…]",
        does:
          're-run the named jobs, each a job id or name (`"Build and test"` in quotes); ' +
          "a matrix job re-runs every leg unless a leg is named, e.g. `build (linux, 20)`",
      },
      { args: "… in <namespace>", does: "any of the above, limited to one namespace" },
    ],
    who: "steering",
    read: readRerun,
  },
  {
    name: "cancel",
    aliases: [],
    forms: [
      { args: "", does: "cancel the running and queued jobs of the head commit" },
      { args: "in <namespace>", does: "the same, limited to one namespace" },
    ],
    who: "steering",
    read: readCancel,
  },
  {
    name: "ok-to-test",
    aliases: [],
    forms: [{ args: "", does: "approve CI for this fork pull request's current head commit" }],
    who: "steering",
    read: readNothing({ name: "ok-to-test" }),
  },
  {
    name: "help",
    aliases: [],
    forms: [{ args: "", does: "reply with this table" }],
    who: "anyone",
    read: readNothing({ name: "help" }),
  },
];

/** The command a word names (its name or an alias, any case), if any. */
export function findCommand(word: string, commands: readonly CommandSpec[] = COMMANDS): CommandSpec | undefined {
  const lower = word.toLowerCase();
  return commands.find((c) => c.name === lower || c.aliases.includes(lower));
}

/** `/rerun` written as its forms: "`/rerun`, `/rerun all`, …". */
export function usage(spec: CommandSpec): string {
  return spec.forms.map((f) => `\`/${spec.name}${f.args ? ` ${f.args}` : ""}\``).join(", ");
}
