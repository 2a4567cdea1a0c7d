/**
 * `flotilla run [--workflow FILE] [--job ID] [--event push|pull_request|workflow_dispatch]
 * [--input k=v]... [--secret K=V]... [--var K=V]... [--env K=V]... [--keep-workspace]`: runs
 * the workflows of the git repository in the current directory on this machine, like `act`
 * with no container engine. It plans as the bot plans and runs each job with the runner's own
 * step machinery; only NATS, Postgres and the forge are left out — the source is the working
 * tree, the reports go to the terminal, artifacts and caches live under `.flotilla/`, and
 * fetched actions in the user's cache, kept from one run to the next.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { processExecutor } from "../../runner/local-job.ts";
import { NotARepository, readGitFacts, type GitFacts } from "../local/git-facts.ts";
import { isLocalEvent, LOCAL_EVENTS } from "../local/local-event.ts";
import { actionCacheDir, ARTIFACTS_DIR, linkActionCache, localStores } from "../local/local-stores.ts";
import { planLocalRuns } from "../local/plan-local-runs.ts";
import { readRunValues } from "../local/run-values.ts";
import { WORKFLOW_DIR } from "../local/workflow-files.ts";
import { formatSummary, type RunReports } from "../local/print-summary.ts";
import { runGraph } from "../local/run-graph.ts";
import { runLocalJob } from "../local/run-local-job.ts";
import { workingTreeCheckout } from "../local/working-tree-checkout.ts";

/** Shorter than a runner's: someone is waiting at the keyboard. */
const CANCEL_GRACE_MS = 5_000;

export async function runCommand(
  args: string[],
  cwd = process.cwd(),
  write = (line: string): void => void process.stdout.write(`${line}\n`),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      workflow: { type: "string", short: "W" },
      job: { type: "string", short: "j" },
      event: { type: "string", short: "e", default: "push" },
      input: { type: "string", multiple: true, default: [] },
      secret: { type: "string", short: "s", multiple: true, default: [] },
      "secret-file": { type: "string", multiple: true, default: [] },
      var: { type: "string", multiple: true, default: [] },
      "var-file": { type: "string", multiple: true, default: [] },
      env: { type: "string", multiple: true, default: [] },
      "env-file": { type: "string", multiple: true, default: [] },
      "keep-workspace": { type: "boolean", default: false },
    },
  });
  const fail = (message: string): number => {
    console.error(`flotilla run: ${message}`);
    return 1;
  };
  if (!isLocalEvent(values.event))
    return fail(`--event must be one of ${LOCAL_EVENTS.join(", ")}, not "${values.event}"`);
  const inputs: Record<string, string> = {};
  for (const pair of values.input) {
    const at = pair.indexOf("=");
    if (at <= 0) return fail(`--input takes key=value, not "${pair}"`);
    inputs[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const actionsUrl = env.FLOTILLA_ACTIONS_URL?.trim().replace(/\/+$/, "") || undefined;
  if (actionsUrl && !URL.canParse(actionsUrl)) return fail(`FLOTILLA_ACTIONS_URL is not a URL: "${actionsUrl}"`);
  const read = await readRunValues(
    {
      secret: values.secret,
      secretFile: values["secret-file"],
      var: values.var,
      varFile: values["var-file"],
      env: values.env,
      envFile: values["env-file"],
    },
    cwd,
    env,
  );
  if (read.problems.length > 0) {
    for (const problem of read.problems) console.error(`flotilla run: ${problem}`);
    return 1;
  }
  let facts: GitFacts;
  try {
    facts = await readGitFacts(cwd);
  } catch (error) {
    if (error instanceof NotARepository) return fail(error.message);
    throw error;
  }
  const plan = await planLocalRuns({
    facts,
    event: values.event,
    cwd,
    inputs,
    values: read.values,
    ...(values.workflow ? { workflowFile: values.workflow } : {}),
    ...(values.job ? { jobId: values.job } : {}),
  });
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) console.error(problem);
    return 1;
  }
  if (plan.runs.length === 0) {
    const which = values.workflow ?? `${WORKFLOW_DIR}/*.yml`;
    console.error(
      `flotilla run: nothing to run: no workflow in ${which} runs on ${values.event}${values.job ? ` with a job "${values.job}"` : ""} (try --event)`,
    );
    return values.workflow || values.job ? 1 : 0;
  }

  const cancel = new AbortController();
  const stopping = new AbortController();
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      write("Cancelling: the running step is being stopped (Ctrl-C again to stop cleanup steps too)");
      cancel.abort();
    } else if (interrupts === 2) stopping.abort();
    else process.exit(130);
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onInterrupt);
  const workDir = await mkdtemp(join(tmpdir(), "flotilla-run-"));
  await linkActionCache(workDir, actionCacheDir(env));
  const logger = pino({ level: "silent" });
  const deps = {
    workDir,
    checkout: workingTreeCheckout(),
    executor: processExecutor({ cancelGraceMs: CANCEL_GRACE_MS }),
    cancel: cancel.signal,
    stopping: stopping.signal,
    write,
    logger,
    keepWorkspace: values["keep-workspace"],
    stores: localStores(facts.root),
    ...(actionsUrl ? { actionsUrl } : {}),
  };
  const reports: RunReports[] = [];
  let index = 0;
  try {
    for (const run of plan.runs) {
      write(
        `▶ ${run.workflow.name} (${run.workflow.path}) on ${values.event} at ${facts.refName}@${facts.sha.slice(0, 12)}`,
      );
      const jobs = await runGraph(run.jobs, {
        github: run.github,
        inputs: run.inputs,
        vars: run.vars,
        cancelled: cancel.signal,
        runJob: (message) => runLocalJob(deps, message, index++),
        write,
      });
      const artifacts = `${ARTIFACTS_DIR}/${run.github.run_id}`;
      if (await stat(join(facts.root, artifacts)).catch(() => undefined)) write(`Artifacts of this run: ${artifacts}/`);
      reports.push({ workflowPath: run.workflow.path, workflowName: run.workflow.name, jobs });
    }
  } finally {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
    if (!values["keep-workspace"]) await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
  }
  for (const line of formatSummary(reports)) write(line);
  if (cancel.signal.aborted) return 130;
  const failed = reports.some((run) =>
    run.jobs.some(
      (job) => job.conclusion === "failure" || job.conclusion === "cancelled" || job.conclusion === "timed_out",
    ),
  );
  return failed ? 1 : 0;
}
