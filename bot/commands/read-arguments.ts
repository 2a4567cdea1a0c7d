/**
 * The words after a command's name, read strictly so that a typo is answered rather than
 * guessed at: job names as GitHub shows them (a matrix leg `build (linux, 20)` is one job even
 * though it holds a space and a comma; `"Build and test"` in double quotes is one job), and
 * `in <namespace>` at the end. Each reader returns the command, or what is wrong in words the
 * caller puts before the usage.
 */
import { fail, ok, type Result } from "../../protocol/result.ts";
import type { Command } from "./command.ts";

/** A job name as written; `plain` when neither quoted nor grouped, so it may be a keyword. */
interface Word {
  text: string;
  plain: boolean;
}

/** Namespace names as the fleet accepts them (protocol/names.ts NAMESPACE_PATTERN). */
const NAMESPACE = /^[A-Za-z0-9_-]{1,64}$/;

const CLOSE: Record<string, string> = { "(": ")", "[": "]" };

/** `(…)` or `[…]` starting at `from`, nested brackets kept; undefined when not closed. */
function readGroup(args: string, from: number): { text: string; end: number } | undefined {
  const open = args[from]!;
  let depth = 0;
  for (let i = from; i < args.length; i++) {
    if (args[i] === open) depth++;
    else if (args[i] === CLOSE[open]) depth--;
    if (depth === 0) {
      const inner = args
        .slice(from + 1, i)
        .trim()
        .replace(/\s+/g, " ");
      return { text: `${open}${inner}${CLOSE[open]}`, end: i + 1 };
    }
  }
  return undefined;
}

/**
 * Splits arguments into job names: a bare word, or a double-quoted name, followed by at most
 * one `(…)` group (a matrix leg) and one `[…]` group (a check run's namespace suffix), each
 * attached with one space as GitHub names them.
 */
function splitWords(args: string): Result<Word[]> {
  const words: Word[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < args.length && /\s/.test(args[i]!)) i++;
  };
  for (skipSpace(); i < args.length; skipSpace()) {
    let text: string;
    let plain = true;
    const c = args[i]!;
    if (c === '"') {
      const end = args.indexOf('"', i + 1);
      if (end === -1) return fail('a `"` is not closed');
      text = args
        .slice(i + 1, end)
        .trim()
        .replace(/\s+/g, " ");
      if (text === "") return fail('`""` names no job');
      plain = false;
      i = end + 1;
    } else if (c === "(" || c === "[") {
      return fail(`\`${c}\` needs a job name before it, as in \`build (linux, 20)\``);
    } else if (c === ")" || c === "]") {
      return fail(`a \`${c}\` closes nothing`);
    } else {
      const start = i;
      while (i < args.length && !/[\s()[\]"]/.test(args[i]!)) i++;
      if (args[i] === '"') return fail('quote a whole name, as in `"Build and test"`');
      if (args[i] === ")" || args[i] === "]") return fail(`a \`${args[i]}\` closes nothing`);
      text = args.slice(start, i);
    }
    for (const open of ["(", "["]) {
      const save = i;
      skipSpace();
      if (args[i] !== open) {
        i = save;
        continue;
      }
      const group = readGroup(args, i);
      if (!group) return fail(`a \`${open}\` is not closed`);
      text = `${text} ${group.text}`;
      plain = false;
      i = group.end;
    }
    words.push({ text, plain });
  }
  return ok(words);
}

/** Takes a trailing `in <namespace>` off the words. */
function takeNamespace(words: Word[]): Result<{ rest: Word[]; namespace?: string }> {
  const at = words.findIndex((w) => w.plain && w.text.toLowerCase() === "in");
  if (at === -1) return ok({ rest: words });
  const namespace = words[at + 1];
  if (!namespace) return fail("`in` needs a namespace after it, as in `in arm-lab`");
  if (at !== words.length - 2) return fail("`in <namespace>` ends the command, with one namespace");
  if (!namespace.plain || !NAMESPACE.test(namespace.text)) {
    return fail(`\`${namespace.text}\` is not a namespace name (letters, digits, \`_\` and \`-\`)`);
  }
  return ok({ rest: words.slice(0, at), namespace: namespace.text });
}

function withNamespace<T extends object>(command: T, namespace: string | undefined): T & { namespace?: string } {
  return namespace === undefined ? command : { ...command, namespace };
}

/** `/rerun`, `/rerun all`, `/rerun <job> [<job>…]`, each optionally ending `in <namespace>`. */
export function readRerun(args: string): Result<Command> {
  const words = splitWords(args);
  if (!words.ok) return words;
  const taken = takeNamespace(words.value);
  if (!taken.ok) return taken;
  const { rest, namespace } = taken.value;
  if (rest.length === 0) return ok(withNamespace({ name: "rerun", which: "failed", jobs: [] }, namespace));
  const all = rest.findIndex((w) => w.plain && w.text.toLowerCase() === "all");
  if (all !== -1 && rest.length === 1) return ok(withNamespace({ name: "rerun", which: "all", jobs: [] }, namespace));
  if (all !== -1) return fail('`all` re-runs every job: write it alone, or name the jobs (a job called all: `"all"`)');
  const jobs = [...new Set(rest.map((w) => w.text))];
  return ok(withNamespace({ name: "rerun", which: "named", jobs }, namespace));
}

/** `/cancel`, optionally ending `in <namespace>`: it cancels a commit's jobs, never named ones. */
export function readCancel(args: string): Result<Command> {
  const words = splitWords(args);
  if (!words.ok) return words;
  const taken = takeNamespace(words.value);
  if (!taken.ok) return taken;
  if (taken.value.rest.length > 0)
    return fail("it cancels every running and queued job, and takes only `in <namespace>`");
  return ok(withNamespace({ name: "cancel" }, taken.value.namespace));
}

/** A command that takes no arguments at all. */
export function readNothing(command: Command): (args: string) => Result<Command> {
  return (args) => (args.trim() === "" ? ok(command) : fail("it takes no arguments"));
}
