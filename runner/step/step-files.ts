/**
 * The files a step writes to talk to the runner
 * (https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#environment-files):
 * GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY (and GITHUB_STATE, created
 * so scripts that write it do not fail). Fresh, empty files for every step, read once it ends.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface StepFiles {
  output: string;
  env: string;
  path: string;
  summary: string;
  state: string;
}

export interface StepFileResults {
  outputs: Record<string, string>;
  env: Record<string, string>;
  /** In the order written; each is prepended, so the last one written ends up first in PATH. */
  path: string[];
  summary: string;
}

/** GitHub refuses step summaries over 1 MiB. */
const MAX_SUMMARY_BYTES = 1024 * 1024;

export class StepFileError extends Error {
  override name = "StepFileError";
}

export async function createStepFiles(tempDir: string): Promise<StepFiles> {
  const dir = join(tempDir, "_runner_file_commands");
  await mkdir(dir, { recursive: true });
  const id = randomUUID();
  const files: StepFiles = {
    output: join(dir, `set_output_${id}`),
    env: join(dir, `set_env_${id}`),
    path: join(dir, `add_path_${id}`),
    summary: join(dir, `step_summary_${id}`),
    state: join(dir, `save_state_${id}`),
  };
  await Promise.all(Object.values(files).map((file) => writeFile(file, "")));
  return files;
}

export function stepFileEnv(files: StepFiles): Record<string, string> {
  return {
    GITHUB_OUTPUT: files.output,
    GITHUB_ENV: files.env,
    GITHUB_PATH: files.path,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
  };
}

/** Reads what the step wrote. Throws StepFileError on a malformed file, as GitHub fails the step. */
export async function readStepFiles(files: StepFiles): Promise<StepFileResults> {
  const [output, env, path, summary] = await Promise.all(
    [files.output, files.env, files.path, files.summary].map(readOrEmpty),
  );
  if (Buffer.byteLength(summary ?? "") > MAX_SUMMARY_BYTES)
    throw new StepFileError(
      `GITHUB_STEP_SUMMARY is over 1 MiB (${Buffer.byteLength(summary ?? "")} bytes); it was not added`,
    );
  return {
    outputs: parseKeyValueFile(output ?? "", "GITHUB_OUTPUT"),
    env: parseKeyValueFile(env ?? "", "GITHUB_ENV"),
    path: (path ?? "")
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0),
    summary: summary ?? "",
  };
}

async function readOrEmpty(file: string): Promise<string> {
  // A step may delete its file; that is "nothing written", not an error.
  return readFile(file, "utf8").catch(() => "");
}

/**
 * `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks, decided by whichever of
 * `=` and `<<` comes first on the line (GitHub's runner reads them the same way).
 */
export function parseKeyValueFile(text: string, what: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") continue;
    const equals = line.indexOf("=");
    const heredoc = line.indexOf("<<");
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      result[checkedName(line.slice(0, equals), line, what)] = line.slice(equals + 1);
      continue;
    }
    if (heredoc < 0)
      throw new StepFileError(`${what}: invalid line "${line}" (expected name=value or name<<DELIMITER)`);
    const name = checkedName(line.slice(0, heredoc), line, what);
    const delimiter = line.slice(heredoc + 2);
    if (delimiter === "") throw new StepFileError(`${what}: the delimiter for "${name}" is empty`);
    const value: string[] = [];
    for (i++; ; i++) {
      if (i >= lines.length)
        throw new StepFileError(`${what}: matching delimiter "${delimiter}" not found for "${name}"`);
      if (lines[i] === delimiter) break;
      value.push(lines[i] ?? "");
    }
    result[name] = value.join("\n");
  }
  return result;
}

function checkedName(name: string, line: string, what: string): string {
  if (name === "") throw new StepFileError(`${what}: invalid line "${line}" (the name is empty)`);
  return name;
}
