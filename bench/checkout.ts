/**
 * Checkout time of a repository with 5,000 commits served over smart HTTP by the fake GitHub's
 * `git http-backend`: the plain checkout (`--depth=1` from the forge, every job), and the
 * runner's mirror cache — the first job of the repository on a runner (full history into the
 * mirror), the second (nothing from the forge), and a job at a commit pushed since
 * (incremental fetch). Part of `npm run bench`; alone: `node --import tsx bench/checkout.ts`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { gitCheckout, type SourceCheckout } from "../runner/source/checkout.ts";
import { gitMirrorCheckout } from "../runner/source/git-mirror.ts";
import { summary } from "./stats.ts";
import { startFakeGitHub } from "../test/helpers/fake-github.ts";
import { createAppCredentials } from "../test/helpers/github-app.ts";

const FILES = 400;

/**
 * `commits` commits on `main` through `git fast-import` (a second per 5,000): the first adds
 * FILES files in 20 directories, each later one changes two of them.
 */
async function importHistory(dir: string, commits: number, from?: string, start = 0): Promise<string> {
  const chunks: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let i = start; i < start + commits; i++) {
    chunks.push(
      `commit refs/heads/main\ncommitter Bench <bench@flotilla.invalid> ${1_700_000_000 + i * 60} +0000\n${data(`change ${i}`)}`,
    );
    if (i === start && from) chunks.push(`from ${from}\n`);
    const touched = i === 0 ? Array.from({ length: FILES }, (_, f) => f) : [i % FILES, (i * 7) % FILES];
    for (const f of touched) {
      chunks.push(
        `M 100644 inline src/d${f % 20}/file${f}.txt\n${data(`file ${f}\n${"line of text\n".repeat(20)}changed by ${i}\n`)}`,
      );
    }
  }
  await execa("git", ["fast-import", "--quiet"], { cwd: dir, input: chunks.join("") });
  return (await execa("git", ["rev-parse", "refs/heads/main"], { cwd: dir })).stdout.trim();
}

async function timed(checkout: SourceCheckout, cloneUrl: string, sha: string, dir: string): Promise<number> {
  const t0 = performance.now();
  await checkout.checkout({ cloneUrl, sha, dir }, { jobLog: { line: () => undefined } });
  return performance.now() - t0;
}

export interface CheckoutBench {
  commits: number;
  plain: { p50: number; p90: number; p99: number };
  mirrorFirstJob: { p50: number; p90: number; p99: number };
  mirrorSecondJob: { p50: number; p90: number; p99: number };
  mirrorNewCommit: { p50: number; p90: number; p99: number };
}

export async function checkoutBench(options: { commits?: number; samples?: number } = {}): Promise<CheckoutBench> {
  const commits = options.commits ?? 5_000;
  const samples = options.samples ?? 5;
  const root = await mkdtemp(join(tmpdir(), "flotilla-bench-checkout-"));
  const fake = await startFakeGitHub({ app: createAppCredentials() });
  try {
    const repo = join(root, "repo");
    await execa("git", ["init", "--quiet", "--initial-branch=main", repo]);
    let sha = await importHistory(repo, commits);
    const { clone_url: cloneUrl } = await fake.addRepository({ owner: "bench", name: "big", dir: repo });
    let n = 0;
    const workspace = () => join(root, `ws-${++n}`);

    const plain: number[] = [];
    for (let i = 0; i < samples; i++) plain.push(await timed(gitCheckout(), cloneUrl, sha, workspace()));

    const firstJob: number[] = [];
    for (let i = 0; i < samples; i++)
      firstJob.push(await timed(gitMirrorCheckout({ dir: join(root, `mirrors-${i}`) }), cloneUrl, sha, workspace()));

    const mirror = gitMirrorCheckout({ dir: join(root, "mirrors-0") });
    const secondJob: number[] = [];
    for (let i = 0; i < samples * 2; i++) secondJob.push(await timed(mirror, cloneUrl, sha, workspace()));

    const newCommit: number[] = [];
    for (let i = 0; i < samples; i++) {
      sha = await importHistory(repo, 1, sha, commits + i);
      newCommit.push(await timed(mirror, cloneUrl, sha, workspace()));
    }
    return {
      commits,
      plain: summary(plain),
      mirrorFirstJob: summary(firstJob),
      mirrorSecondJob: summary(secondJob),
      mirrorNewCommit: summary(newCommit),
    };
  } finally {
    await fake.close();
    await rm(root, { recursive: true, force: true });
  }
}

export function formatCheckoutBench(result: CheckoutBench): string[] {
  const row = (label: string, s: { p50: number; p90: number; p99: number }) =>
    `${label}${[s.p50, s.p90, s.p99].map((v) => v.toFixed(1).padStart(9)).join(" ")}`;
  return [
    `checkout, ${result.commits.toLocaleString("en")} commits   p50       p90       p99   (ms)`,
    row("  plain (depth 1)    ", result.plain),
    row("  mirror, first job  ", result.mirrorFirstJob),
    row("  mirror, second job ", result.mirrorSecondJob),
    row("  mirror, new commit ", result.mirrorNewCommit),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await checkoutBench();
  for (const line of formatCheckoutBench(result)) console.log(line);
  if (process.argv.includes("--json")) console.log(JSON.stringify(result));
}
