/**
 * The file globs of `hashFiles` (the `@actions/glob` dialect): `*` and `?` within a path
 * segment, `**` across segments, `!pattern` excludes, the last matching pattern wins, and a
 * pattern that names a directory matches every file under it.
 */
import { lstat, readdir } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";

interface CompiledPattern {
  negate: boolean;
  regex: RegExp;
}

/** Workspace-relative paths (with `/`) of the files matching `patterns`, sorted. */
export async function globFiles(root: string, patterns: readonly string[]): Promise<string[]> {
  const compiled = patterns
    .map((pattern) => compile(root, pattern))
    .filter((pattern): pattern is CompiledPattern => pattern !== undefined);
  if (!compiled.some((pattern) => !pattern.negate)) return [];
  const files = await walk(root, "");
  return files.filter((file) => matches(compiled, file)).sort();
}

function matches(patterns: readonly CompiledPattern[], file: string): boolean {
  const candidates = [file];
  // A directory pattern takes in everything under it: try each ancestor of the file too.
  for (let cut = file.lastIndexOf("/"); cut > 0; cut = file.lastIndexOf("/", cut - 1))
    candidates.push(file.slice(0, cut));
  let included = false;
  for (const pattern of patterns) {
    if (candidates.some((candidate) => pattern.regex.test(candidate))) included = !pattern.negate;
  }
  return included;
}

function compile(root: string, raw: string): CompiledPattern | undefined {
  let pattern = raw.trim();
  if (pattern === "" || pattern.startsWith("#")) return undefined;
  const negate = pattern.startsWith("!");
  if (negate) pattern = pattern.slice(1);
  if (isAbsolute(pattern)) pattern = relative(root, pattern).split(sep).join("/");
  pattern = pattern.replace(/^\.\//, "").replace(/\/+$/, "");
  return { negate, regex: new RegExp(`^${toRegex(pattern)}$`) };
}

function toRegex(pattern: string): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? "";
    if (char === "*" && pattern[i + 1] === "*") {
      const slashAfter = pattern[i + 2] === "/";
      // `**/` is zero or more whole directories; a trailing `**` is anything.
      out += slashAfter ? "(?:.*/)?" : ".*";
      i += slashAfter ? 2 : 1;
    } else if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else if (char === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) out += "\\[";
      else {
        out += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else out += char.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return out;
}

/** Regular files under `dir`; symlinked directories are not followed (no loops, no escape). */
async function walk(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await walk(root, path)));
    else if (entry.isFile()) files.push(path);
    else if (
      entry.isSymbolicLink() &&
      (await lstat(join(root, path)).then(
        (s) => !s.isDirectory(),
        () => false,
      ))
    )
      files.push(path);
  }
  return files;
}
