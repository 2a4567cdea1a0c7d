/**
 * Labels and labelsets: how `runs-on` becomes a subject, and GitHub's superset rule.
 */

/** Architecture spellings seen in the wild, folded to the names GitHub uses (`X64`, `ARM64`). */
const ARCH_ALIASES: Record<string, string> = {
  x64: "x64",
  amd64: "x64",
  x86_64: "x64",
  arm64: "arm64",
  aarch64: "arm64",
  arm: "arm",
  armv7l: "arm",
  ia32: "x86",
  x86: "x86",
  i386: "x86",
  i686: "x86",
};

const OS_ALIASES: Record<string, string> = {
  linux: "linux",
  darwin: "macos",
  macos: "macos",
  win32: "windows",
  windows: "windows",
};

/** Labels compare case-insensitively on GitHub; we keep them lower-case and alias the arch. */
function normalizeLabel(label: string): string {
  const lower = label.trim().toLowerCase();
  return ARCH_ALIASES[lower] ?? lower;
}

export function normalizeLabels(labels: Iterable<string>): string[] {
  const set = new Set<string>();
  for (const label of labels) {
    const normalized = normalizeLabel(label);
    if (normalized) set.add(normalized);
  }
  return [...set].sort();
}

/** The labels every runner carries without being told: `self-hosted`, its OS, its architecture. */
export function defaultRunnerLabels(platform: string = process.platform, arch: string = process.arch): string[] {
  return normalizeLabels(["self-hosted", OS_ALIASES[platform] ?? platform, arch]);
}

export function runnerOs(platform: string = process.platform): "Linux" | "macOS" | "Windows" {
  if (platform === "darwin") return "macOS";
  if (platform === "win32") return "Windows";
  return "Linux";
}

export function runnerArch(arch: string = process.arch): string {
  return (ARCH_ALIASES[arch] ?? arch).toUpperCase();
}

/** GitHub's rule: a runner may take a job when its labels include every label the job asks for. */
export function canServe(runnerLabels: readonly string[], jobLabels: readonly string[]): boolean {
  const have = new Set(normalizeLabels(runnerLabels));
  return normalizeLabels(jobLabels).every((label) => have.has(label));
}

/**
 * Exclusive labels (`--exclusive-labels gpu`): a runner that carries one takes only jobs
 * whose `runs-on` asks for it, so the GPU machine is not filled with lint jobs. On top of
 * GitHub's superset rule, never instead of it.
 */
export function mayTake(
  runnerLabels: readonly string[],
  exclusiveLabels: readonly string[],
  jobLabels: readonly string[],
): boolean {
  if (!canServe(runnerLabels, jobLabels)) return false;
  const asked = new Set(normalizeLabels(jobLabels));
  return normalizeLabels(exclusiveLabels).every((label) => asked.has(label));
}

/**
 * A labelset as one NATS subject token: sorted labels joined by `+`, every character that a
 * subject token cannot hold (or that we use as a separator) written `%XX`. Reversible, so
 * operators can read subjects and runners can decode them.
 */
export function labelsetToken(labels: readonly string[]): string {
  const normalized = normalizeLabels(labels);
  if (normalized.length === 0) return "%none";
  return normalized
    .map((label) =>
      label.replace(/[^A-Za-z0-9_-]/g, (c) =>
        [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""),
      ),
    )
    .join("+");
}
