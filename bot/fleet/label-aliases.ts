/**
 * Label aliases of a namespace: a workflow written for GitHub's hosted runners asks for
 * `ubuntu-latest` or `macos-14`, which no self-hosted runner is labelled with, and would wait
 * forever. A namespace maps such a label onto labels its runners have (`ubuntu-latest=linux,x64`):
 * the job's labelset in that namespace is `runs-on` with every aliased label replaced.
 * Each namespace maps for itself, so an x86 lab and an arm64 lab can read `ubuntu-latest` each
 * their own way.
 */
import { fail, ok, type Result } from "../../protocol/result.ts";

export type LabelAliases = Record<string, string[]>;

/** `runs-on` as a namespace's runners are labelled: aliased labels replaced, compared case-insensitively. */
export function applyAliases(runsOn: readonly string[], aliases: LabelAliases): string[] {
  const byLabel = new Map(Object.entries(aliases).map(([label, to]) => [label.toLowerCase(), to]));
  const labels = runsOn.flatMap((label) => byLabel.get(label.toLowerCase()) ?? [label]);
  return [...new Set(labels)];
}

const LABEL = /^[A-Za-z0-9._-]{1,100}$/;

/** `label=to,to2` as the CLI takes it; why not, when it is not one. */
export function parseAlias(text: string): Result<[string, string[]]> {
  const [label = "", to = ""] = text.split("=", 2);
  const targets = to
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  if (!LABEL.test(label.trim()) || !text.includes("=") || targets.length === 0 || !targets.every((t) => LABEL.test(t)))
    return fail(`alias "${text}" is not LABEL=LABEL[,LABEL…] (e.g. ubuntu-latest=linux,x64)`);
  return ok([label.trim(), targets]);
}

/** GitHub's hosted runner labels (ubuntu-latest, ubuntu-24.04, macos-14, windows-2022, …): no self-hosted runner has them. */
const GITHUB_HOSTED = /^(ubuntu|macos|windows)-(latest|\d[\w.-]*)$/i;

export function githubHostedLabels(labels: readonly string[]): string[] {
  return labels.filter((label) => GITHUB_HOSTED.test(label));
}

/** What to tell someone whose job asks for GitHub-hosted labels: how a namespace maps them. */
export function aliasAdvice(hosted: readonly string[], namespace?: string): string {
  const example = hosted[0] ?? "ubuntu-latest";
  const to = /^macos/i.test(example) ? "macos,arm64" : /^windows/i.test(example) ? "windows,x64" : "linux,x64";
  return `${hosted.map((l) => `\`${l}\``).join(", ")} ${hosted.length === 1 ? "is a label" : "are labels"} of GitHub's hosted runners, which self-hosted runners do not have: map ${hosted.length === 1 ? "it" : "them"} onto ${namespace ? "this" : "a"} namespace's runners with \`flotilla namespace set ${namespace ?? "NAMESPACE"} --alias '${example}=${to}'\`.`;
}
