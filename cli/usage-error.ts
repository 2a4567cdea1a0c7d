/**
 * A command called the wrong way. The dispatcher answers it with the problem and that
 * command's usage, exit 2 — so a command only names what is wrong ("missing --ref").
 */
import { parseArgs } from "node:util";

export class UsageError extends Error {
  override name = "UsageError";
}

/** For the commands that take no arguments: an option or word given to them is a mistake. */
export function noArguments(args: string[]): void {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  if (positionals[0] !== undefined) throw new UsageError(`unexpected argument: ${positionals[0]}`);
}

/**
 * The problem in an error from `node:util` parseArgs, in our words ("unknown option --x"), or
 * undefined when the error is not one of its own.
 */
export function argumentProblem(error: unknown): string | undefined {
  const { code, message } = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(message ?? "")?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${quoted ?? message}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument: ${quoted ?? message}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      // "Option '--ref <value>' argument missing", or a value given to a switch.
      return quoted
        ? `${quoted.split(" ")[0]} ${/missing/.test(message ?? "") ? "needs a value" : "takes no value"}`
        : message;
    default:
      return undefined;
  }
}
