/**
 * `/rerun` on a pull request against a push, in the same run: a PR whose one job (one step,
 * `run: "false"`) fails every attempt, so each sample has a failed job to re-run. A sample is a
 * push of the `noop` workflow (webhook → its check run created, queued) then a comment
 * `/rerun` by a user with write permission (webhook → the new attempt's check run created,
 * queued), each waited out to the end (job completed, statuses set, 👍) before the next, so
 * the two see the same machine. Every GitHub request the PR's repository got from a `/rerun`'s
 * webhook to its end is counted by kind.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Fleet } from "./fleet.ts";
import { summary } from "./stats.ts";
import { commitFiles, createBranch, createRepo } from "../test/helpers/git-repo.ts";
import type { FakeRepository, RequestRecord } from "../test/helpers/fake-github/types.ts";
import {
  issueCommentPayload,
  postWebhook,
  pullRequestPayload,
  pushPayload,
  signedDelivery,
} from "../test/helpers/webhooks.ts";

const WORKFLOW =
  'name: pr\non: pull_request\njobs:\n  flaky:\n    runs-on: self-hosted\n    steps:\n      - run: "false"\n';
const PULL = 7;
const USER = "maintainer";
const INSTALLATION = 9;
/** The goal of issue 11: a `/rerun` reaches queued within this multiple of a push. */
const GOAL = 2;
const PERMISSION_TTL_MS = 60_000;

type Percentiles = { p50: number; p90: number; p99: number };

export interface RerunBench {
  samples: number;
  rerunToQueued: Percentiles;
  /** The part of it until GitHub has the 👀 reaction, sent before the command is carried out. */
  rerunToEyes: Percentiles;
  pushToQueued: Percentiles;
  /** rerunToQueued.p50 / pushToQueued.p50. */
  ratio: number;
  meetsGoal: boolean;
  /** GitHub requests per `/rerun` (mean), by kind, from its webhook until it had all its effects. */
  requestsPerRerun: Record<string, number>;
  /** Reads of the user's permission, and whether no two came within the cache's 60 s. */
  permissionReads: { total: number; closestGapMs: number | null; cached: boolean };
  /** The whole scenario, pushes included. */
  elapsedMs: number;
}

export async function rerunBench(fleet: Fleet, samples: number): Promise<RerunBench> {
  const scratch = await mkdtemp(join(tmpdir(), "flotilla-bench-rerun-"));
  try {
    const pr = await openPullRequest(fleet, join(scratch, "repo"));
    const reads: { at: number; path: string }[] = [];
    // Timestamps of the permission reads, to hold them to one per user and repository per 60 s.
    fleet.fake.beforeReply = ({ method, path }) => {
      if (method === "GET" && path.endsWith(`/collaborators/${USER}/permission`))
        reads.push({ at: performance.now(), path });
    };
    const rerunToQueued: number[] = [];
    const rerunToEyes: number[] = [];
    const pushToQueued: number[] = [];
    const kinds: Record<string, number> = {};
    const t0 = performance.now();
    for (let i = 0; i < samples; i++) {
      pushToQueued.push(await pushSample(fleet));
      const { queuedMs, eyesMs, requests } = await rerunSample(fleet, pr);
      rerunToQueued.push(queuedMs);
      rerunToEyes.push(eyesMs);
      for (const r of requests) {
        const kind = kindOf(r);
        kinds[kind] = (kinds[kind] ?? 0) + 1;
      }
    }
    const elapsed = performance.now() - t0;
    fleet.fake.beforeReply = undefined;
    const rerun = summary(rerunToQueued);
    const push = summary(pushToQueued);
    const ratio = Math.round((rerun.p50 / push.p50) * 100) / 100;
    const gaps = reads.slice(1).map((r, i) => r.at - reads[i]!.at);
    return {
      samples,
      rerunToQueued: rerun,
      rerunToEyes: summary(rerunToEyes),
      pushToQueued: push,
      ratio,
      meetsGoal: ratio <= GOAL,
      requestsPerRerun: Object.fromEntries(
        Object.entries(kinds)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, n]) => [k, Math.round((n / samples) * 100) / 100]),
      ),
      permissionReads: {
        total: reads.length,
        closestGapMs: gaps.length > 0 ? Math.round(Math.min(...gaps)) : null,
        cached: gaps.every((gap) => gap >= PERMISSION_TTL_MS),
      },
      elapsedMs: Math.round(elapsed),
    };
  } finally {
    fleet.fake.beforeReply = undefined;
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Pr {
  repo: FakeRepository;
  sha: string;
}

/** A repository with a branch and a PR onto it, planned and failed once: the first thing to re-run. */
async function openPullRequest(fleet: Fleet, dir: string): Promise<Pr> {
  await createRepo(dir, { "README.md": "bench\n", ".flotilla/workflows/pr.yml": WORKFLOW });
  const repo = await fleet.fake.addRepository({
    owner: "bench",
    name: "rerun",
    dir,
    private: true,
    installationId: INSTALLATION,
  });
  await createBranch(dir, "feature");
  const sha = await commitFiles(dir, { "CHANGES.md": "bench\n" });
  await fleet.fake.openPullRequest(repo, { number: PULL, headSha: sha, headRef: "feature" });
  fleet.fake.setPermission(repo, USER, "write");
  await deliver(
    fleet,
    "pull_request",
    pullRequestPayload(repo, {
      action: "opened",
      number: PULL,
      headSha: sha,
      headRef: "feature",
      installationId: INSTALLATION,
    }),
  );
  const pr = { repo, sha };
  await fleet.fake.waitFor(() => settled(fleet, pr, 1), { timeoutMs: 60_000 });
  return pr;
}

/** Push webhook → the noop job's check run created; then waits for it to complete. */
async function pushSample(fleet: Fleet): Promise<number> {
  const { repo, sha } = fleet.repos.noop;
  const runs = () => fleet.fake.checkRuns.filter((r) => r.repo === repo.full_name);
  const before = runs().length;
  const t0 = performance.now();
  await deliver(fleet, "push", pushPayload(repo, { sha, installationId: INSTALLATION }));
  const created = await fleet.fake.waitFor(() => runs()[before], { timeoutMs: 30_000 });
  const queuedMs = performance.now() - t0;
  await fleet.fake.waitFor(() => created.run.status === "completed", { timeoutMs: 30_000 });
  return queuedMs;
}

/** `/rerun` webhook → the new attempt's check run created; then waits for all it causes. */
async function rerunSample(
  fleet: Fleet,
  pr: Pr,
): Promise<{ queuedMs: number; eyesMs: number; requests: RequestRecord[] }> {
  const attempts = checksOf(fleet, pr).length;
  const record = fleet.fake.addComment(pr.repo, PULL, { login: USER, body: "/rerun" });
  const payload = issueCommentPayload(pr.repo, { number: PULL, comment: record.comment, installationId: INSTALLATION });
  const firstRequest = fleet.fake.requests.length;
  const t0 = performance.now();
  const reactedTo = (content: string) => () =>
    fleet.fake.reactions.some((r) => r.commentId === record.comment.id && r.content === content);
  const eyes = fleet.fake.waitFor(reactedTo("eyes"), { timeoutMs: 30_000 }).then(() => performance.now() - t0);
  await deliver(fleet, "issue_comment", payload);
  const created = await fleet.fake.waitFor(() => checksOf(fleet, pr)[attempts], { timeoutMs: 30_000 });
  const queuedMs = performance.now() - t0;
  const eyesMs = await eyes;
  if (created.history[0]?.body.status !== "queued")
    throw new Error(`the re-run's check run was created ${String(created.history[0]?.body.status)}`);
  const scope = `/api/v3/repos/${pr.repo.full_name}/`;
  const requests = () => fleet.fake.requests.slice(firstRequest).filter((r) => r.path.startsWith(scope));
  await fleet.fake.waitFor(() => reactedTo("+1")() && settled(fleet, pr, attempts + 1), { timeoutMs: 30_000 });
  // The fake records a request once it has answered, a microtask after the state it changed.
  await new Promise((resolve) => setImmediate(resolve));
  return { queuedMs, eyesMs, requests: requests() };
}

const checksOf = (fleet: Fleet, pr: Pr) =>
  fleet.fake.checkRuns.filter((r) => r.repo === pr.repo.full_name && r.run.head_sha === pr.sha);

/** `attempts` check runs, the last failed, and the PR's commit status says failure again. */
function settled(fleet: Fleet, pr: Pr, attempts: number): boolean {
  const checks = checksOf(fleet, pr);
  if (checks.length !== attempts || checks[attempts - 1]!.run.conclusion !== "failure") return false;
  const statuses = fleet.fake.statuses.filter((s) => s.repo === pr.repo.full_name && s.sha === pr.sha);
  return statuses.length === attempts * 2 && statuses.at(-1)!.status.state === "failure";
}

const KINDS: [RegExp, string][] = [
  [/^GET .*\/collaborators\/[^/]+\/permission$/, "permission reads"],
  [/^POST .*\/issues\/comments\/\d+\/reactions$/, "reactions"],
  [/^POST .*\/check-runs$/, "check runs created"],
  [/^PATCH .*\/check-runs\/\d+$/, "check run updates (the job running)"],
  [/^POST .*\/statuses\/[0-9a-f]+$/, "commit statuses"],
  [/^(POST|PATCH) .*\/comments(\/\d+)?$/, "comments"],
];

function kindOf(r: RequestRecord): string {
  const line = `${r.method} ${r.path.split("?")[0]}`;
  return KINDS.find(([pattern]) => pattern.test(line))?.[1] ?? `other: ${line.replace(/^.*\/repos\/[^/]+\/[^/]+/, "")}`;
}

async function deliver(fleet: Fleet, event: string, payload: object): Promise<void> {
  const answer = await postWebhook(
    fleet.webhookUrl,
    await signedDelivery(payload, { secret: fleet.app.webhookSecret, event }),
  );
  if (answer.status !== 202) throw new Error(`${event} webhook answered ${answer.status}: ${answer.body}`);
}

export function formatRerunBench(r: RerunBench): string[] {
  const row = (label: string, s: Percentiles) =>
    `${label}${[s.p50, s.p90, s.p99].map((v) => v.toFixed(1).padStart(9)).join(" ")}`;
  const reads = r.permissionReads;
  return [
    `/rerun, ${r.samples} samples           p50       p90       p99   (ms)`,
    row("  /rerun → queued   ", r.rerunToQueued),
    row("    of which → 👀   ", r.rerunToEyes),
    row("  push → queued     ", r.pushToQueued),
    `  ratio ${r.ratio}× (goal ≤ ${GOAL}×: ${r.meetsGoal ? "met" : "NOT met"})`,
    `  GitHub requests per /rerun: ${Object.entries(r.requestsPerRerun)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
    `  permission reads: ${reads.total} in ${(r.elapsedMs / 1000).toFixed(1)} s (${reads.cached ? "" : "NOT "}at most one per user and repository per 60 s${reads.closestGapMs === null ? "" : `; closest two ${reads.closestGapMs} ms apart`})`,
  ];
}
