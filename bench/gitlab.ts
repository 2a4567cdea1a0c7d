/**
 * A GitLab push against a GitHub push, in the same run, on the same bot and runners: a project
 * on the fake GitLab with the `noop` workflow (one job of one step, `run: "true"`). Each sample
 * is, one after the other, each waited out to its end:
 *
 * - **GitHub**: the `push` webhook of a new commit of the `noop` repository (run.ts's `push`) →
 *   its check run `completed`, and → the workflow run's commit status `success`.
 * - **GitLab**: a Push Hook of a new commit → the job's commit status `success`, and → the workflow run's
 *   (`flotilla/noop`) `success`. Timed by the fake's own record of the status (`at`), so its
 *   20 ms polling does not count.
 *
 * Both sides push a new commit each sample, made (with its hook) before the samples so no git
 * time is measured: the same commit again would be checked out from the runner's mirror without
 * asking the forge, and the comparison would not be one.
 *
 * Every request each fake got during a sample is counted by kind. Three GitLab pushes before
 * the samples warm the bot's GitLab path (the first makes the project's deploy token); the
 * first one's requests are reported on their own.
 */
import { performance } from "node:perf_hooks";
import type { Fleet } from "./fleet.ts";
import { summary } from "./stats.ts";
import { commitFiles } from "../test/helpers/git-repo.ts";
import type { RequestRecord as GitHubRequest } from "../test/helpers/fake-github/types.ts";
import type { FakeGitLabProject, RequestRecord as GitLabRequest } from "../test/helpers/fake-gitlab/types.ts";
import { deliverGitLabHook, type GitLabHook, pushHook } from "../test/helpers/gitlab-webhooks.ts";

const WORKFLOW = 'name: noop\non: push\njobs:\n  noop:\n    runs-on: self-hosted\n    steps:\n      - run: "true"\n';
const JOB_STATUS = "noop";
const RUN_STATUS = "flotilla/noop";
const WARM_UP = 3;

type Percentiles = { p50: number; p90: number; p99: number };
type Stages = { planned: number; started: number; done: number };
type StageSamples = { planned: number[]; started: number[]; done: number[] };

const stageSamples = (): StageSamples => ({ planned: [], started: [], done: [] });
function pushStages(into: StageSamples, s: Stages): void {
  into.planned.push(s.planned);
  into.started.push(s.started);
  into.done.push(s.done);
}
const stagesOf = (s: StageSamples): Stages => ({
  planned: summary(s.planned).p50,
  started: summary(s.started).p50,
  done: summary(s.done).p50,
});

export interface GitLabBench {
  samples: number;
  /** Push Hook → the job's status `success`. */
  gitlabToJobSuccess: Percentiles;
  /** Push Hook → the workflow run's status (`flotilla/noop`) `success`: the last status. */
  gitlabToRunSuccess: Percentiles;
  /** GitHub push webhook → the check run `completed`, beside each GitLab sample. */
  githubToCompleted: Percentiles;
  /** GitHub push webhook → the workflow run's commit status `success`. */
  githubToRunSuccess: Percentiles;
  /**
   * Where each path spends its time, p50 from the webhook: the job's status `pending` / check
   * run created (planned), `running` / `in_progress` (a runner claimed it), `success` / completed.
   */
  stages: { gitlab: Stages; github: Stages };
  /** gitlabToJobSuccess.p50 / githubToCompleted.p50. */
  ratio: number;
  /** gitlabToRunSuccess.p50 / githubToRunSuccess.p50. */
  runRatio: number;
  /** Requests per push (mean over the samples), by kind. */
  requestsPerPush: { gitlab: Record<string, number>; github: Record<string, number> };
  /** The GitLab requests of the first push of the project (a warm-up push, not in the figures). */
  firstPushRequests: Record<string, number>;
  elapsedMs: number;
}

export async function gitlabBench(
  fleet: Fleet,
  samples: number,
  githubPush: (sha: string) => Promise<void>,
): Promise<GitLabBench> {
  const gl = fleet.gitlab;
  const { project, sha: first } = await gl.createProject("bench/noop", { ".flotilla/workflows/noop.yml": WORKFLOW });
  // Every commit and its hook made up front: git's time is not the bot's.
  const hooks: { sha: string; hook: GitLabHook }[] = [
    { sha: first, hook: pushHook(project, gl.url, { before: "0".repeat(40), after: first }) },
  ];
  for (let i = 1; i < WARM_UP + samples; i++) hooks.push(await nextCommit(fleet, project, i));
  const githubShas: string[] = [];
  for (let i = 0; i < samples; i++) githubShas.push(await commitFiles(fleet.repos.noop.dir, { file: String(i) }));

  const firstPush = await gitlabSample(fleet, hooks[0]!);
  for (const h of hooks.slice(1, WARM_UP)) await gitlabSample(fleet, h);

  const toJob: number[] = [];
  const toRun: number[] = [];
  const ghCompleted: number[] = [];
  const ghRun: number[] = [];
  const glKinds: Record<string, number> = {};
  const ghKinds: Record<string, number> = {};
  const glStages = stageSamples();
  const ghStages = stageSamples();
  const t0 = performance.now();
  for (const [i, h] of hooks.slice(WARM_UP).entries()) {
    const gh = await githubSample(fleet, githubShas[i]!, githubPush);
    ghCompleted.push(gh.completedMs);
    ghRun.push(gh.runMs);
    tally(ghKinds, gh.requests.map(githubKind));
    pushStages(ghStages, gh.stages);
    const g = await gitlabSample(fleet, h);
    toJob.push(g.jobMs);
    toRun.push(g.runMs);
    tally(glKinds, g.requests.map(gitlabKind));
    pushStages(glStages, g.stages);
  }
  const elapsed = performance.now() - t0;
  const job = summary(toJob);
  const run = summary(toRun);
  const ghc = summary(ghCompleted);
  const ghr = summary(ghRun);
  const firstKinds: Record<string, number> = {};
  tally(firstKinds, firstPush.requests.map(gitlabKind));
  return {
    samples,
    gitlabToJobSuccess: job,
    gitlabToRunSuccess: run,
    githubToCompleted: ghc,
    githubToRunSuccess: ghr,
    stages: { gitlab: stagesOf(glStages), github: stagesOf(ghStages) },
    ratio: Math.round((job.p50 / ghc.p50) * 100) / 100,
    runRatio: Math.round((run.p50 / ghr.p50) * 100) / 100,
    requestsPerPush: { gitlab: perSample(glKinds, samples), github: perSample(ghKinds, samples) },
    firstPushRequests: perSample(firstKinds, 1),
    elapsedMs: Math.round(elapsed),
  };
}

async function nextCommit(fleet: Fleet, project: FakeGitLabProject, i: number) {
  const { before, sha } = await fleet.gitlab.commit(project, { file: String(i) });
  return { sha, hook: pushHook(project, fleet.gitlab.url, { before, after: sha }) };
}

/** Push Hook → the job's and then the run's status `success`, timed by the fake's record of them. */
async function gitlabSample(
  fleet: Fleet,
  { sha, hook }: { sha: string; hook: GitLabHook },
): Promise<{ jobMs: number; runMs: number; stages: Stages; requests: GitLabRequest[] }> {
  const gl = fleet.gitlab;
  const firstRequest = gl.requests.length;
  const success = (name: string) => () =>
    gl.statuses.find((s) => s.sha === sha && s.name === name && s.status === "success");
  const t0 = Date.now();
  const answer = await deliverGitLabHook(fleet.gitlabHookUrl, fleet.gitlabSecret, hook);
  if (answer.status !== 202) throw new Error(`the Push Hook was answered ${answer.status}: ${answer.body}`);
  const job = await gl.waitFor(success(JOB_STATUS), { timeoutMs: 30_000, what: `${JOB_STATUS} success` });
  const run = await gl.waitFor(success(RUN_STATUS), { timeoutMs: 30_000, what: `${RUN_STATUS} success` });
  // The fake records a request once it has answered, after the state it changed.
  await new Promise((resolve) => setImmediate(resolve));
  const at = (state: string) =>
    (gl.statuses.find((s) => s.sha === sha && s.name === JOB_STATUS && s.status === state)?.at ?? Number.NaN) - t0;
  return {
    jobMs: job.at - t0,
    runMs: run.at - t0,
    stages: { planned: at("pending"), started: at("running"), done: job.at - t0 },
    requests: gl.requests.slice(firstRequest),
  };
}

/** run.ts's push of the `noop` repository → its check run completed → the run's status `success`. */
async function githubSample(
  fleet: Fleet,
  sha: string,
  push: (sha: string) => Promise<void>,
): Promise<{ completedMs: number; runMs: number; stages: Stages; requests: GitHubRequest[] }> {
  const { repo } = fleet.repos.noop;
  const runs = () => fleet.fake.checkRuns.filter((r) => r.repo === repo.full_name);
  const statuses = () => fleet.fake.statuses.filter((s) => s.repo === repo.full_name && s.sha === sha);
  const runsBefore = runs().length;
  const firstRequest = fleet.fake.requests.length;
  const t0 = performance.now();
  // Timed as the fake GitHub sees each write (its waitFor runs on every change; its records'
  // `at` are in whole seconds).
  const ms = () => performance.now() - t0;
  const created = fleet.fake.waitFor(() => runs()[runsBefore], { timeoutMs: 30_000 });
  const planned = created.then(ms);
  const started = created.then((r) =>
    fleet.fake.waitFor(() => r.history.some((h) => h.body.status === "in_progress"), { timeoutMs: 30_000 }).then(ms),
  );
  await push(sha);
  const record = await created;
  await fleet.fake.waitFor(() => record.run.status === "completed", { timeoutMs: 30_000 });
  const completedMs = ms();
  await fleet.fake.waitFor(() => statuses().some((s) => s.status.state === "success"), { timeoutMs: 30_000 });
  const runMs = ms();
  await new Promise((resolve) => setImmediate(resolve));
  return {
    completedMs,
    runMs,
    stages: { planned: await planned, started: await started, done: completedMs },
    requests: fleet.fake.requests.slice(firstRequest),
  };
}

const GITLAB_KINDS: [RegExp, string][] = [
  [/^POST \/api\/v4\/projects\/[^/]+\/statuses\/[0-9a-f]+$/, "statuses posted"],
  [/^GET \/api\/v4\/projects\/[^/]+\/repository\/commits\/[^/]+\/statuses$/, "status reads"],
  [/^GET \/api\/v4\/projects\/[^/]+\/repository\/tree$/, "tree"],
  [/^GET \/api\/v4\/projects\/[^/]+\/repository\/files\/.+\/raw$/, "files"],
  [/^POST \/api\/v4\/projects\/[^/]+\/deploy_tokens$/, "deploy tokens"],
  [/^GET \/.+\.git\/info\/refs$/, "git info/refs"],
  [/^POST \/.+\.git\/git-upload-pack$/, "git upload-pack"],
];

const GITHUB_KINDS: [RegExp, string][] = [
  [/^POST .*\/check-runs$/, "check runs created"],
  [/^PATCH .*\/check-runs\/\d+$/, "check run updates"],
  [/^POST .*\/statuses\/[0-9a-f]+$/, "statuses posted"],
  [/^GET .*\/contents\/.*$/, "contents (list + files)"],
  [/^POST .*\/installations\/\d+\/access_tokens$/, "installation tokens"],
  [/^GET \/.+\/info\/refs$/, "git info/refs"],
  [/^POST \/.+\/git-upload-pack$/, "git upload-pack"],
];

function kindOf(kinds: [RegExp, string][], method: string, path: string): string {
  const line = `${method} ${path.split("?")[0]}`;
  return kinds.find(([pattern]) => pattern.test(line))?.[1] ?? `other: ${line}`;
}

const gitlabKind = (r: GitLabRequest) => kindOf(GITLAB_KINDS, r.method, r.path);
const githubKind = (r: GitHubRequest) => kindOf(GITHUB_KINDS, r.method, r.path);

function tally(into: Record<string, number>, kinds: string[]): void {
  for (const kind of kinds) into[kind] = (into[kind] ?? 0) + 1;
}

function perSample(kinds: Record<string, number>, samples: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(kinds)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => [k, Math.round((n / samples) * 100) / 100]),
  );
}

export function formatGitLabBench(g: GitLabBench, natsFloorP50: number): string[] {
  const row = (label: string, s: Percentiles) =>
    `${label}${[s.p50, s.p90, s.p99].map((v) => v.toFixed(1).padStart(9)).join(" ")}`;
  const calls = (kinds: Record<string, number>) =>
    Object.entries(kinds)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
  const total = (kinds: Record<string, number>) =>
    Math.round(Object.values(kinds).reduce((a, b) => a + b, 0) * 100) / 100;
  const floor = (ms: number) => `${Math.round(ms / natsFloorP50)}× the JetStream floor`;
  return [
    `GitLab push, ${g.samples} samples            p50       p90       p99   (ms)`,
    row("  GitLab → job success  ", g.gitlabToJobSuccess),
    row("  GitLab → run success  ", g.gitlabToRunSuccess),
    row("  GitHub → completed    ", g.githubToCompleted),
    row("  GitHub → run success  ", g.githubToRunSuccess),
    `  ratio GitLab/GitHub ${g.ratio}× (job), ${g.runRatio}× (last status); GitLab job p50 ${floor(g.gitlabToJobSuccess.p50)}, GitHub ${floor(g.githubToCompleted.p50)}`,
    `  stages p50 from the webhook: GitLab pending ${g.stages.gitlab.planned} → running ${g.stages.gitlab.started} → success ${g.stages.gitlab.done} ms; GitHub created ${g.stages.github.planned} → in_progress ${g.stages.github.started} → completed ${g.stages.github.done} ms`,
    `  GitLab requests per push (${total(g.requestsPerPush.gitlab)}): ${calls(g.requestsPerPush.gitlab)}`,
    `  GitHub requests per push (${total(g.requestsPerPush.github)}): ${calls(g.requestsPerPush.github)}`,
    `  GitLab requests of the project's first push: ${calls(g.firstPushRequests)}`,
  ];
}
