/**
 * Reads a served repository's objects with the real git, at request time, so commits a test
 * makes after `addRepository` are visible at once (as pushes are on GitHub).
 */
import { execa } from "execa";

type GitResult = { ok: boolean; stdout: Buffer };

/**
 * Answers about a full commit SHA never change (`<sha>`, `<sha>:path`), so they are kept: GitHub
 * answers these from caches too, and a git process per request would make the fake, not the
 * product, what benchmarks measure. Refs (branches, tags) are always read afresh.
 */
const immutable = new Map<string, Promise<GitResult>>();
const FULL_SHA = /^[0-9a-f]{40}(?=$|[:^])/;

function run(gitDir: string, args: string[]): Promise<GitResult> {
  const spec = args[args.length - 1] ?? "";
  if (!FULL_SHA.test(spec)) return spawnGit(gitDir, args);
  const key = `${gitDir}\0${args.join("\0")}`;
  let result = immutable.get(key);
  if (!result) {
    result = spawnGit(gitDir, args);
    immutable.set(key, result);
    // A SHA that is not there yet may arrive with the next push: only keep what was found.
    void result.then((r) => r.ok || immutable.delete(key));
  }
  return result;
}

async function spawnGit(gitDir: string, args: string[]): Promise<GitResult> {
  const result = await execa("git", ["--git-dir", gitDir, ...args], {
    reject: false,
    encoding: "buffer",
    stripFinalNewline: false,
  });
  return { ok: result.exitCode === 0, stdout: Buffer.from(result.stdout) };
}

/** A branch, tag, `refs/...` or (abbreviated) SHA → full commit SHA; undefined when unknown. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | undefined> {
  // Refuse option-looking refs: they would be read as git flags.
  if (!ref || ref.startsWith("-")) return undefined;
  const result = await run(gitDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  return result.ok ? result.stdout.toString("utf8").trim() : undefined;
}

export async function objectType(gitDir: string, spec: string): Promise<string | undefined> {
  const result = await run(gitDir, ["cat-file", "-t", spec]);
  return result.ok ? result.stdout.toString("utf8").trim() : undefined;
}

export async function readBlob(gitDir: string, spec: string): Promise<{ sha: string; content: Buffer }> {
  const [sha, content] = await Promise.all([run(gitDir, ["rev-parse", spec]), run(gitDir, ["cat-file", "blob", spec])]);
  return { sha: sha.stdout.toString("utf8").trim(), content: content.stdout };
}

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size: number;
  name: string;
}

export async function listTree(gitDir: string, treeish: string): Promise<TreeEntry[]> {
  // -z: paths with spaces, quotes or newlines come through verbatim.
  const result = await run(gitDir, ["ls-tree", "-l", "-z", treeish]);
  if (!result.ok) return [];
  return result.stdout
    .toString("utf8")
    .split("\0")
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf("\t");
      const [mode = "", type = "blob", sha = "", size = "-"] = line.slice(0, tab).split(/\s+/);
      return {
        mode,
        type: type as TreeEntry["type"],
        sha,
        size: size === "-" ? 0 : Number(size),
        name: line.slice(tab + 1),
      };
    });
}

export async function defaultBranch(gitDir: string): Promise<string> {
  const result = await run(gitDir, ["symbolic-ref", "--short", "HEAD"]);
  return result.ok ? result.stdout.toString("utf8").trim() : "main";
}

/**
 * Copies `sha` (and what it needs) from `fromDir` into `gitDir` as `ref` — how GitHub makes a
 * fork's PR head available in the base repository as `refs/pull/N/head`.
 */
export async function fetchRef(gitDir: string, fromDir: string, sha: string, ref: string): Promise<void> {
  await execa("git", ["--git-dir", gitDir, "fetch", "--quiet", "--no-tags", fromDir, `+${sha}:${ref}`], {
    // The fork's upload-pack must allow a want that is not a ref tip.
    env: { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: "uploadpack.allowAnySHA1InWant", GIT_CONFIG_VALUE_0: "true" },
  });
}
