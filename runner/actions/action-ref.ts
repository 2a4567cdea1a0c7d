/**
 * What a step's `uses:` names, in GitHub's three forms: `owner/repo[/path]@ref` (a repository
 * on the forge), `./path` (in the workspace) and `docker://image` (refused: no container engine).
 */
import { ActionError } from "./errors.ts";

export type ActionRef =
  | { kind: "remote"; owner: string; repo: string; path: string; ref: string }
  | { kind: "local"; path: string }
  | { kind: "docker"; image: string };

/** Throws ActionError with GitHub's expected format when `uses` is none of the three. */
export function parseActionRef(uses: string): ActionRef {
  const text = uses.trim();
  if (text.startsWith("docker://")) return { kind: "docker", image: text.slice("docker://".length) };
  if (text.startsWith("./") || text === ".") return { kind: "local", path: text };
  const match = /^([^/@\s]+)\/([^/@\s]+)((?:\/[^@\s]+)?)@(\S+)$/.exec(text);
  if (!match) throw new ActionError(`\`uses: ${uses}\`: expected {owner}/{repo}[/path]@ref, ./path or docker://image`);
  const [, owner = "", repo = "", path = "", ref = ""] = match;
  return { kind: "remote", owner, repo, path: path.replace(/^\//, ""), ref };
}

/** The key a fetched repository is remembered under for one job: same repo and ref, one fetch. */
export function repoKey(ref: { owner: string; repo: string; ref: string }): string {
  return `${ref.owner.toLowerCase()}/${ref.repo.toLowerCase()}@${ref.ref}`;
}

/** The message a docker action fails its job with, before any step runs. */
export function dockerRefusal(uses: string): string {
  return `\`uses: ${uses}\` is a docker action; it needs a container engine, which Flotilla does not use`;
}
