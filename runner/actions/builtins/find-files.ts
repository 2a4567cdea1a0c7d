/**
 * The `path:` input of the artifact and cache actions: newline-separated globs (the
 * `@actions/glob` dialect of hashFiles), `!` exclusions, `~` for the job's HOME, relative to
 * the workspace. Each pattern is searched from its literal part only, so `~/.npm` never
 * walks the workspace and `dist/**` never walks HOME.
 */
import { stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { globFiles } from "../../expressions/glob.ts";

export interface PathRoots {
  workspace: string;
  /** What `~` means: the job's HOME, as the steps see it. */
  home: string;
}

export interface FoundFiles {
  /** Absolute paths, sorted, without duplicates. */
  files: string[];
  /** The literal part of each include pattern, absolute: upload-artifact's roots. */
  searchPaths: string[];
}

/** The non-empty lines of a multi-line input. */
export function inputLines(value: string | undefined): string[] {
  return (value ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

export function expandPath(path: string, roots: PathRoots): string {
  const home = path === "~" || path.startsWith("~/") ? roots.home + path.slice(1) : path;
  return isAbsolute(home) ? resolve(home) : resolve(roots.workspace, home);
}

export async function findFiles(patterns: readonly string[], roots: PathRoots): Promise<FoundFiles> {
  const includes: string[] = [];
  const excludes: string[] = [];
  for (const raw of patterns) {
    if (raw.startsWith("#")) continue;
    if (raw.startsWith("!")) excludes.push(`!${expandPath(raw.slice(1), roots)}`);
    else includes.push(expandPath(raw, roots));
  }
  const found = new Set<string>();
  const searchPaths: string[] = [];
  for (const pattern of includes) {
    const literal = literalPart(pattern);
    searchPaths.push(literal);
    const kind = await stat(literal).then(
      (s) => (s.isDirectory() ? "dir" : "file"),
      () => "none",
    );
    if (kind === "none") continue;
    // globFiles walks its root: a literal file is searched from its folder.
    const root = kind === "dir" ? literal : dirname(literal);
    const own = pattern === literal && kind === "dir" ? `${literal}/**` : pattern;
    for (const file of await globFiles(root, [own, ...excludes])) found.add(join(root, file));
  }
  return { files: [...found].sort(), searchPaths };
}

/** The leading path segments without a glob character. */
function literalPart(pattern: string): string {
  const segments = pattern.split("/");
  const cut = segments.findIndex((segment) => /[*?[]/.test(segment));
  if (cut < 0) return pattern;
  return segments.slice(0, cut).join("/") || "/";
}

/**
 * upload-artifact v4's root: the least common ancestor of the search paths; a single
 * search path that is a file is rooted at its folder.
 */
export async function commonRoot(searchPaths: readonly string[]): Promise<string> {
  if (searchPaths.length === 1) {
    const only = searchPaths[0]!;
    const isFile = await stat(only).then(
      (s) => !s.isDirectory(),
      () => false,
    );
    return isFile ? dirname(only) : only;
  }
  let common = searchPaths[0] ?? "/";
  for (const path of searchPaths.slice(1)) {
    while (common !== "/" && relative(common, path).split(sep)[0] === "..") common = dirname(common);
  }
  return common;
}
