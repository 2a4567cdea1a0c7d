/**
 * The values `flotilla run` is given instead of a bot's stores: secrets (`--secret`,
 * `--secret-file`), configuration variables (`--var`, `--var-file`) and environment
 * variables (`--env`, `--env-file`), as act takes them. Files are dotenv (act's `.secrets`
 * format: `NAME=value`, quotes, `export`, comments) and are read first, so a flag wins over
 * a file. Every problem is collected, so one run names all of them.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parse } from "dotenv";

export interface RunValues {
  /** Names upper-cased, as GitHub stores them. */
  secrets: Record<string, string>;
  vars: Record<string, string>;
  env: Record<string, string>;
}

export interface RunValueFlags {
  secret: string[];
  secretFile: string[];
  var: string[];
  varFile: string[];
  env: string[];
  envFile: string[];
}

/** GitHub's rule for secret and variable names. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function readRunValues(
  flags: RunValueFlags,
  cwd: string,
  hostEnv: NodeJS.ProcessEnv = process.env,
): Promise<{ values: RunValues; problems: string[] }> {
  const problems: string[] = [];
  const kinds = [
    { key: "secrets", flag: "--secret", pairs: flags.secret, files: flags.secretFile, upper: true },
    { key: "vars", flag: "--var", pairs: flags.var, files: flags.varFile, upper: true },
    { key: "env", flag: "--env", pairs: flags.env, files: flags.envFile, upper: false },
  ] as const;
  const values: RunValues = { secrets: {}, vars: {}, env: {} };
  for (const kind of kinds) {
    const into = values[kind.key];
    const add = (name: string, value: string, where: string): void => {
      // GITHUB_TOKEN is the one GITHUB_ name a secret may have here: act users pass it so.
      const reserved = /^GITHUB_/i.test(name) && !(kind.key === "secrets" && name.toUpperCase() === "GITHUB_TOKEN");
      const bad = kind.upper ? !NAME.test(name) || reserved : name === "" || name.includes("=");
      if (bad) {
        problems.push(
          `${where}: "${name}" is not a valid name${kind.upper ? " (letters, digits and _, not starting with a digit or GITHUB_)" : ""}`,
        );
        return;
      }
      into[kind.upper ? name.toUpperCase() : name] = value;
    };
    for (const file of kind.files) {
      const text = await readFile(resolve(cwd, file), "utf8").catch((error: Error) => error);
      if (text instanceof Error) {
        problems.push(`${kind.flag}-file ${file}: cannot read it: ${text.message}`);
        continue;
      }
      for (const [name, value] of Object.entries(parse(text))) add(name, value, `${kind.flag}-file ${file}`);
    }
    for (const pair of kind.pairs) {
      const at = pair.indexOf("=");
      // A bare name takes its value from this shell's environment, as act's `-s NAME` does.
      if (at < 0) {
        const value = hostEnv[pair];
        if (value === undefined) problems.push(`${kind.flag} ${pair}: no "=" and no ${pair} in the environment`);
        else add(pair, value, kind.flag);
        continue;
      }
      add(pair.slice(0, at), pair.slice(at + 1), kind.flag);
    }
  }
  return { values, problems };
}
