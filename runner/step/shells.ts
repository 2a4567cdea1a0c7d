/**
 * GitHub's `shell:` table for non-Windows runners
 * (https://docs.github.com/actions/using-workflows/workflow-syntax-for-github-actions#jobsjob_idstepsshell):
 * the command that runs the script file `{0}`, and the extension the file needs.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface ShellCommand {
  file: string;
  args: string[];
  /** Where the script goes: the requested path plus the extension the interpreter expects (`.py`, `.js`). */
  script: string;
}

class ShellError extends Error {
  override name = "ShellError";
}

const BUILT_IN: Record<string, { template: string; extension: string }> = {
  bash: { template: "bash --noprofile --norc -eo pipefail {0}", extension: ".sh" },
  sh: { template: "sh -e {0}", extension: ".sh" },
  python: { template: "python {0}", extension: ".py" },
  node: { template: "node {0}", extension: ".js" },
  pwsh: { template: "pwsh -command \". '{0}'\"", extension: ".ps1" },
};

/**
 * Resolves `shell` (undefined = bash when it is on PATH, else `sh`) against the step's
 * PATH. Throws ShellError for a shell we do not know or whose program is not installed.
 */
export function resolveShell(shell: string | undefined, path: string | undefined, scriptFile: string): ShellCommand {
  const name = shell?.trim() || (findProgram("bash", path) ? "bash" : "sh");
  const builtIn = BUILT_IN[name];
  if (builtIn) {
    let template = builtIn.template;
    // Many systems have only `python3`; GitHub's images alias `python` to it.
    if (name === "python" && !findProgram("python", path) && findProgram("python3", path)) template = "python3 {0}";
    const command = fromTemplate(template, scriptFile + builtIn.extension);
    if (!findProgram(command.file, path))
      throw new ShellError(`shell "${name}" is not supported on this runner: ${command.file} is not installed`);
    return command;
  }
  if (!name.includes("{0}"))
    throw new ShellError(`shell "${name}" is not supported (bash, sh, python, node, pwsh, or a command with {0})`);
  return fromTemplate(name, scriptFile);
}

function fromTemplate(template: string, script: string): ShellCommand {
  // pwsh's `-command ". '{0}'"` is one argument: keep double-quoted groups together.
  const words = template.match(/"[^"]*"|\S+/g) ?? [];
  const [program = "", ...args] = words.map((word) => word.replace(/^"(.*)"$/, "$1").replace("{0}", script));
  return { file: program, args, script };
}

/** Whether `program` (a name or a path) is executable, looked up on `path` like a shell would. */
function findProgram(program: string, path: string | undefined): string | undefined {
  const candidates = program.includes("/")
    ? [program]
    : (path ?? "")
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, program));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
