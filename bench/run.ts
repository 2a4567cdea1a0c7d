/**
 * `npm run bench [-- --json] [-- --pushes N --throughput N --reruns N --gitlab N --rate-limit N --web-ui N --federation N --runner-jobs N]`: webhook →
 * check run latency and jobs per second for one-step `true` jobs, `/rerun` → queued beside push
 * → queued, a GitLab push → status `success` beside a GitHub push → completed, and the floor
 * measured in the same run.
 * Not a test: numbers go into docs/performance.md by hand.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { checkoutBench, formatCheckoutBench } from "./checkout.ts";
import { cliStartBench, formatCliStartBench } from "./cli-start.ts";
import { fleetScaleBench, formatFleetScale } from "./fleet-scale.ts";
import { formatGitLabBench, gitlabBench } from "./gitlab.ts";
import { federationBench, formatFederationBench } from "./federation.ts";
import { formatRerunBench, rerunBench } from "./rerun.ts";
import { formatRateLimitBench, rateLimitBench } from "./rate-limit.ts";
import { formatWebUiBench, webUiBench } from "./web-ui.ts";
import { formatRunnerMemory, runnerMemoryBench } from "./runner-memory.ts";
import { FLOOR_REPOSITORY, githubCalls, natsRoundTrips, postgresRoundTrips, spawns } from "./floor.ts";
import { startFleet, type Fleet, type Scenario } from "./fleet.ts";
import { summary } from "./stats.ts";
import { postWebhook, pushPayload, signedDelivery } from "../test/helpers/webhooks.ts";
import type { CheckRunRecord } from "../test/helpers/fake-github.ts";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    pushes: { type: "string", default: "200" },
    throughput: { type: "string", default: "1000" },
    runners: { type: "string", default: "4" },
    // Jobs queued for the 2 namespaces × 8 runners fleet (0: skip it).
    "fleet-jobs": { type: "string", default: "5000" },
    // `/rerun` and push samples for the command's latency (0: skip it).
    reruns: { type: "string", default: "30" },
    // GitLab Push Hook samples, each beside a GitHub push (0: skip it).
    gitlab: { type: "string", default: "30" },
    // Jobs of one push against a 60-requests-per-10-s GitHub budget (0: skip it).
    "rate-limit": { type: "string", default: "100" },
    // Lines printed → seen on an open job page (0: skip the web UI part).
    "web-ui": { type: "string", default: "200" },
    // Pushes through two federated Flotillas, upstream push → downstream job started (0: skip it).
    federation: { type: "string", default: "20" },
    // Jobs queued at once for one runner of its own, whose RSS and gap are measured (0: skip it).
    "runner-jobs": { type: "string", default: "20" },
  },
});
const pushes = Number(values.pushes);
const throughputPushes = Number(values.throughput);

const started = (r: CheckRunRecord) => r.history.some((h) => h.body.status === "in_progress");
const completed = (r: CheckRunRecord) => r.run.status === "completed";

async function push(fleet: Fleet, scenario: Scenario = "noop", sha = fleet.repos[scenario].sha): Promise<void> {
  const { repo } = fleet.repos[scenario];
  const delivery = await signedDelivery(pushPayload(repo, { sha, installationId: 9 }), {
    secret: fleet.app.webhookSecret,
    event: "push",
  });
  const answer = await postWebhook(fleet.webhookUrl, delivery);
  if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
}

function count(fleet: Fleet, predicate: (r: CheckRunRecord) => boolean, scenario: Scenario = "noop"): number {
  const repo = fleet.repos[scenario].repo.full_name;
  let n = 0;
  for (const r of fleet.fake.checkRuns) if (r.repo === repo && predicate(r)) n++;
  return n;
}

/** Webhook → every check run of a 256-leg matrix created (queued): planning time. */
async function matrixPlanning(fleet: Fleet, times: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const before = count(fleet, () => true, "matrix");
    const t0 = performance.now();
    await push(fleet, "matrix");
    await fleet.fake.waitFor(() => count(fleet, () => true, "matrix") >= before + 256, { timeoutMs: 120_000 });
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Webhook → the last of three chained jobs (`needs`) completed. */
async function needsChain(fleet: Fleet, times: number): Promise<number[]> {
  const samples: number[] = [];
  const last = (r: CheckRunRecord) => r.run.name === "three" && completed(r);
  for (let i = 0; i < times; i++) {
    const before = count(fleet, last, "chain");
    const t0 = performance.now();
    await push(fleet, "chain");
    await fleet.fake.waitFor(() => count(fleet, last, "chain") > before, { timeoutMs: 60_000 });
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** Until every push of the `noop` repository has its final commit status: the last job's statements are in. */
async function allStatusesFinal(fleet: Fleet): Promise<void> {
  const repo = fleet.repos.noop.repo.full_name;
  const final = () => fleet.fake.statuses.filter((s) => s.repo === repo && s.status.state !== "pending").length;
  const pending = () => fleet.fake.statuses.filter((s) => s.repo === repo && s.status.state === "pending").length;
  await fleet.fake.waitFor(() => final() >= pending(), { timeoutMs: 30_000 });
}

async function latency(fleet: Fleet, n: number) {
  const toStarted: number[] = [];
  const toCompleted: number[] = [];
  for (let i = 0; i < n; i++) {
    const doneBefore = count(fleet, completed);
    const startedBefore = count(fleet, started);
    const t0 = performance.now();
    await push(fleet);
    await fleet.fake.waitFor(() => count(fleet, started) > startedBefore, { timeoutMs: 30_000 });
    toStarted.push(performance.now() - t0);
    await fleet.fake.waitFor(() => count(fleet, completed) > doneBefore, { timeoutMs: 30_000 });
    toCompleted.push(performance.now() - t0);
  }
  return { toStarted, toCompleted };
}

/** Where a throughput run spends its time: planning (created), queueing (→ in_progress), running (→ completed). */
function stages(records: CheckRunRecord[]) {
  const at = (r: CheckRunRecord, pred: (b: Record<string, unknown>) => boolean) =>
    Date.parse(r.history.find((h) => pred(h.body))?.at ?? "");
  const created = records.map((r) => Date.parse(r.history[0]!.at));
  const start = Math.min(...created);
  return {
    lastCreatedAfterMs: Math.max(...created) - start,
    queued: summary(records.map((r) => at(r, (b) => b.status === "in_progress") - Date.parse(r.history[0]!.at))),
    running: summary(
      records.map(
        (r) =>
          at(r, (b) => b.status === "completed" || Boolean(b.conclusion)) - at(r, (b) => b.status === "in_progress"),
      ),
    ),
  };
}

async function throughput(fleet: Fleet, n: number): Promise<number> {
  const doneBefore = count(fleet, completed);
  const firstRecord = fleet.fake.checkRuns.length;
  const t0 = performance.now();
  let next = 0;
  // Webhooks arrive as GitHub sends them: many at once, not one after another.
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        next++;
        await push(fleet);
      }
    }),
  );
  await fleet.fake.waitFor(() => count(fleet, completed) >= doneBefore + n, { timeoutMs: 600_000 });
  const rate = n / ((performance.now() - t0) / 1000);
  const s = stages(fleet.fake.checkRuns.slice(firstRecord));
  log(
    `  throughput stages: last check run created after ${s.lastCreatedAfterMs} ms; queued p50 ${s.queued.p50} ms; running p50 ${s.running.p50} ms`,
  );
  return rate;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
/** "goal ≤ 9.8 ms (p50 9.7×)": the figure as a multiple of its goal, measured from this run's floor. */
const against = (p50: number, goal: number) => `goal ≤ ${goal} ms (p50 ${round(p50 / goal)}× it)`;

const log = (line: string) => (values.json ? process.stderr.write(`${line}\n`) : console.log(line));

const fleet = await startFleet(Number(values.runners));
try {
  log(`floor: measuring JetStream round trips, spawns, GitHub calls and Postgres round trips…`);
  const nats = summary(await natsRoundTrips(fleet.natsUrl, fleet.prefix, 500));
  const spawn = summary(await spawns(200));
  const githubCall = summary(await githubCalls(fleet.fake, fleet.app, 9, 300));
  const postgresRoundTrip = summary(await postgresRoundTrips(fleet.databaseUrl, 500));
  log(`cli: flotilla --help, 20 times…`);
  const cliStart = await cliStartBench(20);
  log(`warm-up…`);
  await latency(fleet, 5);
  log(`latency: ${pushes} pushes, one after another…`);
  const statementsBefore = fleet.statements();
  const textsBefore = new Map(fleet.statementsByText());
  const { toStarted, toCompleted } = await latency(fleet, pushes);
  await allStatusesFinal(fleet);
  const statementsPerJob = Math.round(((fleet.statements() - statementsBefore) / pushes) * 10) / 10;
  // BENCH_STATEMENTS=1: which statements a job costs, most frequent first.
  if (process.env.BENCH_STATEMENTS)
    for (const [text, n] of [...fleet.statementsByText()].sort((a, b) => b[1] - a[1]))
      if (n - (textsBefore.get(text) ?? 0) > 0)
        log(`  ${((n - (textsBefore.get(text) ?? 0)) / pushes).toFixed(1)} × ${text}`);
  log(`throughput: ${throughputPushes} pushes, ${values.runners} runners…`);
  const jobsPerSecond = Math.round((await throughput(fleet, throughputPushes)) * 10) / 10;
  log(`planning: a 256-job matrix, 3 times…`);
  const matrix = summary(await matrixPlanning(fleet, 3));
  log(`needs chain: 3 jobs, 20 pushes…`);
  const chain = summary(await needsChain(fleet, 20));
  const reruns = Number(values.reruns);
  if (reruns > 0) log(`/rerun: a PR's failing job re-run ${reruns} times, each beside a push…`);
  const rerun = reruns > 0 ? await rerunBench(fleet, reruns) : undefined;
  const gitlabPushes = Number(values.gitlab);
  if (gitlabPushes > 0) log(`GitLab: ${gitlabPushes} Push Hooks → status success, each beside a GitHub push…`);
  const gitlab =
    gitlabPushes > 0 ? await gitlabBench(fleet, gitlabPushes, (sha) => push(fleet, "noop", sha)) : undefined;
  const rateLimitJobs = Number(values["rate-limit"]);
  if (rateLimitJobs > 0) log(`rate limit: ${rateLimitJobs} jobs against a budget of 60 requests per 10 s…`);
  const rateLimit = rateLimitJobs > 0 ? await rateLimitBench(fleet, rateLimitJobs) : undefined;
  const runnerJobs = Number(values["runner-jobs"]);
  if (runnerJobs > 0) log(`runner memory: one runner idle, then ${runnerJobs} jobs queued at once…`);
  const runnerMemory =
    runnerJobs > 0 ? await runnerMemoryBench(fleet, runnerJobs, () => push(fleet, "memory")) : undefined;
  log(`checkout: a 5,000-commit repository, plain and through the runner's mirror…`);
  const checkout = await checkoutBench();
  const fleetJobs = Number(values["fleet-jobs"]);
  if (fleetJobs > 0) log(`fleet scale: ${fleetJobs} jobs × 2 namespaces queued, then 2 × 8 runners…`);
  const fleetScale =
    fleetJobs > 0 ? await fleetScaleBench({ jobs: fleetJobs, runnersPerNamespace: 8, log }) : undefined;
  const webLines = Number(values["web-ui"]);
  if (webLines > 0) log(`web UI: ${webLines} lines → an open job page (SSE), a 200,000-line job page's first byte…`);
  const webUi = webLines > 0 ? await webUiBench({ natsUrl: fleet.natsUrl, samples: webLines }) : undefined;
  const federationPushes = Number(values.federation);
  if (federationPushes > 0) log(`federation: ${federationPushes} pushes through two Flotillas joined by a leaf node…`);
  const federation = federationPushes > 0 ? await federationBench(federationPushes) : undefined;
  const result = {
    webhookToStarted: summary(toStarted),
    webhookToCompleted: summary(toCompleted),
    jobsPerSecond,
    // Postgres statements the bot sent per push of the one-job `true` workflow, webhook → its status final.
    statementsPerJob,
    floor: {
      natsRoundTrip: { p50: nats.p50 },
      spawn: { p50: spawn.p50 },
      githubCall: { p50: githubCall.p50 },
      postgresRoundTrip: { p50: postgresRoundTrip.p50 },
    },
    matrix256Planning: { p50: matrix.p50 },
    // Issue 14's goals, each a multiple of this run's floor (ms).
    goals: {
      webhookToStarted: round(2 * (nats.p50 + 2 * githubCall.p50) + 5),
      webhookToCompleted: round(3 * (nats.p50 + spawn.p50 + 4 * githubCall.p50)),
      matrix256Planning: round(256 * githubCall.p50 + 150),
    },
    needsChainToCompleted: chain,
    ...(rerun ? { rerun } : {}),
    ...(gitlab ? { gitlab } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(runnerMemory ? { runnerMemory } : {}),
    checkout,
    cliStart,
    ...(fleetScale ? { fleetScale } : {}),
    ...(webUi ? { webUi } : {}),
    ...(federation ? { federation } : {}),
  };
  const floorRepository = `${FLOOR_REPOSITORY.owner}/${FLOOR_REPOSITORY.name}`;
  const writes = fleet.fake.checkRuns.filter((r) => r.repo !== floorRepository).map((r) => r.history.length);
  log("");
  log(`                          p50       p90       p99   (ms)`);
  log(
    `webhook → started   ${fmt(result.webhookToStarted)}   ${against(result.webhookToStarted.p50, result.goals.webhookToStarted)}`,
  );
  log(
    `webhook → completed ${fmt(result.webhookToCompleted)}   ${against(result.webhookToCompleted.p50, result.goals.webhookToCompleted)}`,
  );
  log(`jobs per second     ${jobsPerSecond} (${values.runners} runners, ${throughputPushes} pushes)`);
  log(
    `256-job matrix      webhook → all check runs created p50 ${matrix.p50} ms   ${against(matrix.p50, result.goals.matrix256Planning)}`,
  );
  log(`3-job needs chain   webhook → last completed ${fmt(chain)}`);
  log(`floor               JetStream publish→pull→ack p50 ${nats.p50} ms, spawn p50 ${spawn.p50} ms`);
  log(
    `                    GitHub call (check run PATCH) p50 ${githubCall.p50} ms, Postgres insert…returning p50 ${postgresRoundTrip.p50} ms`,
  );
  log(`Postgres statements/job ${statementsPerJob} (webhook → status final, 1-step job; goal ≤ 10)`);
  log(`GitHub writes/job   max ${Math.max(...writes)}, invalid requests ${fleet.fake.invalidRequests.length}`);
  if (rerun) for (const line of formatRerunBench(rerun)) log(line);
  if (gitlab) for (const line of formatGitLabBench(gitlab, nats.p50)) log(line);
  if (rateLimit) for (const line of formatRateLimitBench(rateLimit)) log(line);
  if (runnerMemory) for (const line of formatRunnerMemory(runnerMemory)) log(line);
  for (const line of formatCheckoutBench(checkout)) log(line);
  for (const line of formatCliStartBench(cliStart)) log(line);
  if (fleetScale) for (const line of formatFleetScale(fleetScale)) log(line);
  if (webUi) for (const line of formatWebUiBench(webUi, nats.p50)) log(line);
  if (federation) log(formatFederationBench(federation));
  if (values.json) console.log(JSON.stringify(result));
} finally {
  await fleet.close();
}

function fmt(s: { p50: number; p90: number; p99: number }): string {
  return [s.p50, s.p90, s.p99].map((n) => n.toFixed(1).padStart(9)).join(" ");
}
